/**
 * Latency rates measured on the real Espruino interpreter (the Linux build in ../shared/espruino)
 * and their scaling to a board. `boards/rates.json` is written by `npm run bench -- espruino
 * --write-rates` (bench/espruino.ts), never by hand: per op type of the edgeq runtime, a cost
 * per call, per output element and per multiply-accumulate fitted to per-op timings; the same for
 * the interpreter's built-in TFLite Micro over whole inferences; and the interpreter's speed on a
 * plain JS loop, which sets how much faster the measuring machine is than a board.
 *
 * Scaling (an assumption, stated in every fit report): a Cortex-M4F at 64 MHz runs the plain JS
 * loop at ASSUMED_M4F_LOOP_MACS_PER_SEC; a board runs everything (interpreter and natives alike)
 * at that speed x its MHz / 64 x its core factor. So board ms = Linux ms x (Linux loop rate /
 * assumed M4F loop rate) x 64 / MHz / core factor. The Linux build itself (arch x86-64) is not
 * scaled: its estimate is the fitted Linux time, which the bench prints beside the measurement.
 */
import { existsSync, readFileSync } from "node:fs";
import { EdgeqError } from "../toolchain/errors.js";
import { packagePath } from "../toolchain/package-root.js";
import type { Arch, Board } from "./index.js";

export const RATES_FILE: string = packagePath("boards", "rates.json");

/** Plain interpreted JS loop (`s += a[i] * b[i]` over typed arrays) on a 64 MHz Cortex-M4F, MAC/s (assumed). */
export const ASSUMED_M4F_LOOP_MACS_PER_SEC = 20_000;

/** Speed per MHz relative to a Cortex-M4F (assumed; the Linux build is the measuring machine itself). */
export const CORE_FACTOR: Record<Arch, number> = {
  "cortex-m4f": 1.0,
  "cortex-m33": 1.1,
  "cortex-m3": 0.8,
  "cortex-m0+": 0.5,
  "xtensa-lx6": 0.7,
  "xtensa-lx7": 0.8,
  riscv32: 0.7,
  "xtensa-lx106": 0.4,
  "x86-64": 1.0,
};

/** Cost of one op on the measuring machine: ms = perCallMs + perElementUs/1e3 x outElems + perMacNs/1e6 x MACs. */
export interface OpCost {
  perCallMs: number;
  perElementUs: number;
  perMacNs: number;
  /** Timings the fit rests on, and its median relative error over them. */
  samples: number;
  medianError: number;
}

export interface MeasuredRates {
  generatedBy: string;
  date: string;
  interpreter: string;
  /** Bytes of the runtime bundle measured (the rates belong to that runtime). */
  runtimeBytes: number;
  /** The plain JS loop on the measuring machine, MAC/s. */
  jsLoopMacsPerSec: number;
  /** edgeq runtime per op type; `*` is the fallback for op types not measured (fitted over all ops). */
  edgeq: Record<string, OpCost>;
  /** The interpreter's built-in TFLite Micro, over whole inferences (per op = per call, per MAC). */
  tflm: OpCost;
}

let cached: MeasuredRates | undefined;

/** The measured rates (boards/rates.json); throws with the command that writes them if missing. */
export function loadRates(file: string = RATES_FILE): MeasuredRates {
  if (file === RATES_FILE && cached) return cached;
  if (!existsSync(file)) {
    throw new EdgeqError(
      "NO_RATES",
      `${file} is missing: measure the rates with 'npm run bench -- espruino --write-rates'`,
      file,
    );
  }
  const r = JSON.parse(readFileSync(file, "utf8")) as MeasuredRates;
  if (!(r.jsLoopMacsPerSec > 0) || !r.edgeq?.["*"] || !r.tflm) {
    throw new EdgeqError(
      "BAD_RATES",
      `${file} lacks jsLoopMacsPerSec, edgeq["*"] or tflm; regenerate it with 'npm run bench -- espruino --write-rates'`,
      file,
    );
  }
  if (file === RATES_FILE) cached = r;
  return r;
}

/** Factor from the measuring machine's ms to `board`'s ms. */
export function boardScale(board: Pick<Board, "arch" | "mhz">, r: MeasuredRates): number {
  if (board.arch === "x86-64") return 1;
  return (
    ((r.jsLoopMacsPerSec / ASSUMED_M4F_LOOP_MACS_PER_SEC) * 64) / board.mhz / (CORE_FACTOR[board.arch] ?? 1)
  );
}

/** Predicted ms of one op with cost `c` on the measuring machine. */
export function opMs(c: OpCost, outElems: number, macs: number): number {
  return c.perCallMs + (c.perElementUs * outElems) / 1e3 + (c.perMacNs * macs) / 1e6;
}

/** Where the rates come from (one sentence). */
export function ratesSource(r: MeasuredRates): string {
  return `per-op rates measured on the real Espruino interpreter's Linux build (${r.interpreter}, ${r.date.slice(0, 10)}, runtime bundle ${r.runtimeBytes} B; 'npm run bench -- espruino --write-rates')`;
}

/** How the rates are scaled to `board`. */
export function scaleNote(board: Pick<Board, "arch" | "mhz" | "name">, r: MeasuredRates): string {
  if (board.arch === "x86-64") return `unscaled for ${board.name} (this is that machine)`;
  return `scaled to ${board.name} as x${boardScale(board, r).toFixed(1)} = (Linux JS loop ${Math.round(r.jsLoopMacsPerSec)} MAC/s / ${ASSUMED_M4F_LOOP_MACS_PER_SEC} MAC/s assumed for a 64 MHz Cortex-M4F) x 64 / ${board.mhz} MHz / core factor ${CORE_FACTOR[board.arch]} (${board.arch}, assumed)`;
}

/** One sentence for fit's output: where the rates come from and how they are scaled. */
export function ratesNote(board: Pick<Board, "arch" | "mhz" | "name">, r: MeasuredRates): string {
  return `${ratesSource(r)}, ${scaleNote(board, r)}`;
}

export interface Sample {
  outElems: number;
  macs: number;
  ms: number;
}

/**
 * Fits ms = a + b x outElems + c x macs (all >= 0) to `samples`: every subset of the three terms
 * (at most as many terms as samples) is fitted by least squares on relative error, subsets with a
 * negative coefficient are dropped, and the one with the smallest error wins.
 */
export function fitCost(samples: Sample[]): OpCost {
  const terms = [(_: Sample) => 1, (s: Sample) => s.outElems, (s: Sample) => s.macs];
  let best: { coef: number[]; err: number } | undefined;
  for (let mask = 1; mask < 8; mask++) {
    const use = [0, 1, 2].filter((i) => mask & (1 << i));
    if (use.length > samples.length) continue;
    // weighted least squares (weight 1/ms: relative error), normal equations
    const n = use.length;
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const y = new Array<number>(n).fill(0);
    // each term scaled to at most 1 over the samples, so the normal equations stay well conditioned
    const scale = use.map((i) => Math.max(1e-30, ...samples.map((s) => terms[i]!(s))));
    for (const s of samples) {
      const w = 1 / Math.max(s.ms, 1e-3) ** 2;
      const x = use.map((i, k) => terms[i]!(s) / scale[k]!);
      for (let i = 0; i < n; i++) {
        y[i]! += w * x[i]! * s.ms;
        for (let j = 0; j < n; j++) A[i]![j]! += w * x[i]! * x[j]!;
      }
    }
    const sol = solve(A, y);
    if (!sol || sol.some((v) => !(v >= 0) || !Number.isFinite(v))) continue;
    const coef = [0, 0, 0];
    use.forEach((i, k) => {
      coef[i] = sol[k]! / scale[k]!;
    });
    const errs = samples.map((s) => {
      const p = coef[0]! + coef[1]! * s.outElems + coef[2]! * s.macs;
      return Math.abs(p - s.ms) / Math.max(s.ms, 1e-3);
    });
    const err = errs.reduce((a, b) => a + b * b, 0);
    if (!best || err < best.err - 1e-12) best = { coef, err };
  }
  const c = best?.coef ?? [samples.reduce((a, s) => a + s.ms, 0) / Math.max(samples.length, 1), 0, 0];
  const rel = samples
    .map((s) => Math.abs(c[0]! + c[1]! * s.outElems + c[2]! * s.macs - s.ms) / Math.max(s.ms, 1e-3))
    .sort((a, b) => a - b);
  return {
    perCallMs: c[0]!,
    perElementUs: c[1]! * 1e3,
    perMacNs: c[2]! * 1e6,
    samples: samples.length,
    medianError: rel.length ? rel[rel.length >> 1]! : 0,
  };
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
function solve(A: number[][], y: number[]): number[] | undefined {
  const n = y.length;
  const M = A.map((r, i) => [...r, y[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (Math.abs(M[p]![c]!) < 1e-300) return undefined;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((r, i) => r[n]! / r[i]!);
}
