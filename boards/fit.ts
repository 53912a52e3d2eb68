/**
 * Does a model fit a board, and how fast might it run? Plain arithmetic over a ModelSummary
 * and a Board record, so tests can check every number.
 *
 * Flash: runtime bundle + model (+ labels) as Storage files, each with a 32-byte header and
 * padded to 4 bytes. While a file uploads it exists twice (temporary copy + final), so the
 * verdict uses the peak: max(2 x runtime, runtime + 2 x model, runtime + model + 2 x labels).
 *
 * RAM, in JsVars (Espruino's unit of memory: `bytesPerJsVar` each):
 *   typed array of n bytes  = 3 + ceil(n / bytesPerJsVar)  (ArrayBuffer, view, flat-string header + data)
 *   arena                   = one typed array of arenaBytes
 *   activation views        = 2 per activation tensor (a view object + its header)
 *   weights                 = 2 per constant tensor (views into the model) and, where Storage is
 *                             not memory-mapped, the whole model copied into RAM as one typed array
 *   per-channel parameters  = 2 Int32Arrays (multiplier, shift) per conv/fc op sized by its channels
 *   runtime objects         = 4 per function in the bundle + 10 per op (prepared op state)
 *   runtime code            = 0 where Storage is memory-mapped (Espruino runs functions from flash),
 *                             else the bundle text copied into RAM
 *   firmware baseline       = 150 (REPL, process.env, built-in objects at boot)
 * A fit "with margin" leaves at least 10% of the board's JsVars / Storage free.
 *
 * Latency: an estimate: per op, the cost per call, per output element and per MAC measured for
 * that op type on the real interpreter's Linux build (boards/rates.json), scaled to the board's
 * clock and core (boards/rates.ts says how).
 */
import type { OpType } from "../toolchain/ir/types.js";
import type { ModelSummary } from "./estimate.js";
import type { Board } from "./index.js";
import type { NativeFit } from "./native.js";
import { boardScale, loadRates, type MeasuredRates, opMs, ratesNote, scaleNote } from "./rates.js";

export const STORAGE_HEADER = 32;
export const MARGIN = 0.1;
export const FIRMWARE_BASELINE_JSVARS = 150;
export const JSVARS_PER_FUNCTION = 4;
export const JSVARS_PER_OP = 10;

/** The 9 ops of the TFLite Micro snapshot built into Espruino. */
export const TFLM_OPS: readonly OpType[] = [
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "AVERAGE_POOL_2D",
  "MAX_POOL_2D",
  "FULLY_CONNECTED",
  "SOFTMAX",
  "QUANTIZE",
  "DEQUANTIZE",
  "RESHAPE",
];

export type Verdict = "fits" | "tight" | "too big";

export function verdict(need: number, have: number): Verdict {
  if (need > have) return "too big";
  return need <= have * (1 - MARGIN) ? "fits" : "tight";
}

export function storageFileBytes(n: number): number {
  return STORAGE_HEADER + Math.ceil(n / 4) * 4;
}

export function typedArrayJsVars(bytes: number, bytesPerJsVar: number): number {
  return 3 + Math.ceil(bytes / bytesPerJsVar);
}

export interface FlashFit {
  runtimeFile: number;
  modelFile: number;
  labelsFile: number;
  /** Storage after the upload; and the peak while a file exists twice (temporary + final copy). */
  total: number;
  peakDuringUpload: number;
  available: number;
  /**
   * Where a new file waits until it is verified: a temporary Storage file ("storage"), or, when
   * Storage cannot hold the peak but RAM can hold the largest file, a RAM buffer ("ram").
   */
  staging: "storage" | "ram";
  /** JsVars the RAM staging buffer needs (largest file as a typed array + firmware baseline). */
  ramStageJsVars: number;
  /** The Storage bytes the verdict rests on: the files, or the upload peak when only that does not fit. */
  need: number;
  verdict: Verdict;
}

export function flashFit(board: Board, runtimeBytes: number, modelBytes: number, labelsBytes = 0): FlashFit {
  const runtimeFile = runtimeBytes > 0 ? storageFileBytes(runtimeBytes) : 0;
  const modelFile = storageFileBytes(modelBytes);
  const labelsFile = labelsBytes > 0 ? storageFileBytes(labelsBytes) : 0;
  const total = runtimeFile + modelFile + labelsFile;
  // the runtime goes first (temp + final), then the model next to it (temp + final), then the labels
  const peakDuringUpload = Math.max(
    2 * runtimeFile,
    runtimeFile + 2 * modelFile,
    runtimeFile + modelFile + 2 * labelsFile,
  );
  const largest = Math.max(runtimeBytes, modelBytes, labelsBytes);
  const ramStageJsVars = typedArrayJsVars(largest, board.bytesPerJsVar) + FIRMWARE_BASELINE_JSVARS;
  const ramOk = ramStageJsVars <= board.jsVars * (1 - MARGIN);
  const avail = board.storageBytes;
  // The upload is possible if the peak fits (temporary Storage copies), or else if the files fit
  // and RAM can stage the largest one; the margin then applies to the files that stay.
  const staging = peakDuringUpload > avail && total <= avail && ramOk ? "ram" : "storage";
  const feasible = peakDuringUpload <= avail || staging === "ram";
  const need = !feasible && total <= avail ? peakDuringUpload : total;
  return {
    runtimeFile,
    modelFile,
    labelsFile,
    total,
    peakDuringUpload,
    available: avail,
    staging,
    ramStageJsVars,
    need,
    verdict: feasible ? verdict(total, avail) : "too big",
  };
}

export interface RamFit {
  arena: number;
  activationViews: number;
  weights: number;
  channelParams: number;
  runtimeObjects: number;
  runtimeCode: number;
  firmware: number;
  totalJsVars: number;
  totalBytes: number;
  availableJsVars: number;
  verdict: Verdict;
}

/** `functions`: number of functions in the runtime bundle (count of `function` keywords). */
export function ramFit(board: Board, s: ModelSummary, runtimeBytes: number, functions: number): RamFit {
  const bpv = board.bytesPerJsVar;
  const arena = typedArrayJsVars(s.arenaBytes, bpv);
  const activationViews = 2 * s.activationTensors;
  const weights = 2 * s.constTensors + (board.storageMapped ? 0 : typedArrayJsVars(s.modelBytes, bpv));
  const convOps = s.ops.filter(
    (o) => o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED",
  );
  const channelParams = convOps.length * 2 * 3 + 2 * Math.ceil((4 * s.channelParams) / bpv);
  const runtimeObjects = JSVARS_PER_FUNCTION * functions + JSVARS_PER_OP * s.ops.length;
  const runtimeCode = board.storageMapped ? 0 : Math.ceil(runtimeBytes / bpv);
  const firmware = FIRMWARE_BASELINE_JSVARS;
  const totalJsVars =
    arena + activationViews + weights + channelParams + runtimeObjects + runtimeCode + firmware;
  return {
    arena,
    activationViews,
    weights,
    channelParams,
    runtimeObjects,
    runtimeCode,
    firmware,
    totalJsVars,
    totalBytes: totalJsVars * bpv,
    availableJsVars: board.jsVars,
    verdict: verdict(totalJsVars, board.jsVars),
  };
}

export type Engine = "edgeq" | "tflm";

export interface OpLatency {
  index: number;
  type: OpType;
  ms: number;
}

/**
 * Estimated latency of one inference (ms) on `board` with `engine`: per op, the cost measured on
 * the real interpreter's Linux build for that op type (per call, per output element, per MAC; see
 * boards/rates.ts) scaled to the board's clock and core.
 */
export function latency(
  board: Board,
  s: ModelSummary,
  engine: Engine = "edgeq",
  rates: MeasuredRates = loadRates(),
): { ms: number; ops: OpLatency[] } {
  const f = boardScale(board, rates);
  const ops = s.ops.map((o) => {
    const c = engine === "tflm" ? rates.tflm : (rates.edgeq[o.type] ?? rates.edgeq["*"]!);
    return { index: o.index, type: o.type, ms: opMs(c, o.outElems, o.macs) * f };
  });
  return { ms: ops.reduce((a, o) => a + o.ms, 0), ops };
}

export interface TflmCheck {
  applies: boolean;
  ok: boolean;
  unsupported: OpType[];
}

export function tflmCheck(board: Board, s: ModelSummary): TflmCheck {
  const unsupported = s.opTypes.filter((t) => !TFLM_OPS.includes(t));
  return { applies: board.tflm, ok: unsupported.length === 0, unsupported };
}

export interface FitReport {
  board: { id: string; name: string };
  flash: FlashFit;
  ram: RamFit;
  latencyMs: number;
  latencyTflmMs?: number;
  tflm?: TflmCheck;
  verdict: Verdict;
  /** Why the verdict is not "fits", in words (empty when it fits). */
  reasons: string[];
  ratesNote: string;
  /** The part of ratesNote that is particular to this board, and its factor (board ms / Linux ms). */
  ratesScale: string;
  ratesFactor: number;
  /** With `edgeq fit --engine native` (boards/native.ts): the add-on on this board (ramJsVars: its RAM, counted in ram). */
  native?: NativeFit & { ramJsVars?: number };
}

const RANK: Record<Verdict, number> = { fits: 0, tight: 1, "too big": 2 };

export interface RuntimeInfo {
  bytes: number;
  functions: number;
}

export function fitBoard(board: Board, s: ModelSummary, rt: RuntimeInfo, labelsBytes = 0): FitReport {
  const flash = flashFit(board, rt.bytes, s.modelBytes, labelsBytes);
  const ram = ramFit(board, s, rt.bytes, rt.functions);
  const worst = RANK[flash.verdict] >= RANK[ram.verdict] ? flash.verdict : ram.verdict;
  const rep: FitReport = {
    board: { id: board.id, name: board.name },
    flash,
    ram,
    latencyMs: latency(board, s, "edgeq").ms,
    verdict: worst,
    reasons: reasons(board, flash, ram),
    ratesNote: ratesNote(board, loadRates()),
    ratesScale: scaleNote(board, loadRates()),
    ratesFactor: boardScale(board, loadRates()),
  };
  if (board.tflm) {
    rep.tflm = tflmCheck(board, s);
    rep.latencyTflmMs = latency(board, s, "tflm").ms;
  }
  return rep;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/** Plain-words reasons for a verdict other than "fits". */
export function reasons(board: Board, flash: FlashFit, ram: RamFit): string[] {
  const out: string[] = [];
  if (flash.verdict !== "fits") {
    if (flash.need === flash.peakDuringUpload && flash.total <= flash.available) {
      out.push(
        `Storage: upload peak ${kb(flash.peakDuringUpload)} > ${kb(flash.available)} (the files alone, ${kb(flash.total)}, would fit, but the safe upload holds a file twice while it is verified, and staging the largest file in RAM instead needs ${flash.ramStageJsVars} of ${board.jsVars} JsVars)`,
      );
    } else {
      out.push(
        `Storage: files ${kb(flash.total)} ${flash.verdict === "too big" ? ">" : "are over 90% of"} ${kb(flash.available)}`,
      );
    }
  }
  if (ram.verdict !== "fits") {
    const big = board.storageMapped
      ? ""
      : `; Storage is not memory-mapped on ${board.name}, so the model (${ram.weights} JsVars) and the runtime code (${ram.runtimeCode}) are copied into RAM`;
    out.push(
      `RAM: ${ram.totalJsVars} JsVars ${ram.verdict === "too big" ? ">" : "is over 90% of"} ${ram.availableJsVars} (arena ${ram.arena} of them)${big}`,
    );
  }
  return out;
}

/** Counts `function` keywords in a bundle (for the runtime-objects estimate). */
export function countFunctions(bundle: string): number {
  return (bundle.match(/\bfunction\b/g) ?? []).length;
}
