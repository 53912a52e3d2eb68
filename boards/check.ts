/**
 * What `edgeq fit` and `edgeq flash` share: read the model and the runtime bundle from disk,
 * ask the runtime (run on the host) for the arena size, summarise, and fit against boards.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { EdgeqError } from "../toolchain/errors.js";
import { evalBundle } from "../toolchain/flash/host.js";
import { getLabels } from "../toolchain/ir/metadata.js";
import type { Graph } from "../toolchain/ir/types.js";
import { packagePath } from "../toolchain/package-root.js";
import { readTflite } from "../toolchain/tflite/read.js";
import { type ModelSummary, summarize } from "./estimate.js";
import { countFunctions, type FitReport, fitBoard, reasons, storageFileBytes, verdict } from "./fit.js";
import { type Board, findBoard, loadBoards } from "./index.js";
import { NATIVE_OPS, nativeFit } from "./native.js";

export const DEFAULT_RUNTIME: string = packagePath("runtime-int8", "dist", "edgeq-rt.min.js");

/** Reads a file or throws EdgeqError naming it. */
export function readInput(path: string, what: string): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new EdgeqError(
      "NO_FILE",
      `cannot read ${what} ${path}: ${(e as Error).message}; check the path`,
      path,
    );
  }
}

/** Reads the runtime bundle; a clear error when it has not been built. */
export function readRuntime(path: string = DEFAULT_RUNTIME): Uint8Array {
  if (!existsSync(path)) {
    throw new EdgeqError(
      "NO_RUNTIME",
      `runtime bundle ${path} not found; build it with 'npm run build:rt' or pass --runtime PATH`,
      path,
    );
  }
  return readInput(path, "runtime bundle");
}

export interface LoadedModel {
  path: string;
  bytes: Uint8Array;
  graph: Graph;
  labels: string[] | undefined;
}

export function loadModel(path: string): LoadedModel {
  const bytes = readInput(path, "model");
  const graph = readTflite(bytes, { source: path });
  return { path, bytes, graph, labels: getLabels(graph) };
}

/** Arena bytes as the runtime's planner reports them, or undefined if the runtime cannot load the model. */
export function runtimeArena(runtime: Uint8Array, model: Uint8Array): number | undefined {
  try {
    const rt = evalBundle(Buffer.from(runtime).toString("latin1"));
    const a = rt.load(new Uint8Array(model)).arenaBytes;
    return typeof a === "number" && a >= 0 ? a : undefined;
  } catch {
    return undefined;
  }
}

export interface FitRun {
  summary: ModelSummary;
  reports: FitReport[];
  runtimeBytes: number;
}

/** The native add-on to count (`edgeq fit --engine native`): its file's text and its machine code's bytes. */
export interface NativeAddonInfo {
  code: string;
  blobBytes: number;
}

/**
 * Fits `model` on one board (by name) or "all" boards. With `native`, boards whose `arch` takes the
 * add-on count its file (Storage, and RAM where Storage is not memory-mapped) and its RAM (the
 * blob as one flat string, and per native op its parameter block: 156 B + 12 B per channel), and
 * get `native` (kernels, estimated latency); other boards get `native.applies` false.
 */
export function fitModel(
  m: LoadedModel,
  runtime: Uint8Array,
  board: string,
  boardFiles: string[] = [],
  native?: NativeAddonInfo,
): FitRun {
  const boards = loadBoards(boardFiles);
  const chosen: Board[] = board === "all" ? boards : [findBoard(boards, board)];
  const summary = summarize(m.graph, m.bytes.length, runtimeArena(runtime, m.bytes));
  const labelsBytes = m.labels ? new TextEncoder().encode(JSON.stringify(m.labels)).length : 0;
  const rt = { bytes: runtime.length, functions: countFunctions(Buffer.from(runtime).toString("latin1")) };
  const reports = chosen.map((b) => {
    if (!native) return fitBoard(b, summary, rt, labelsBytes);
    const addonBytes = Buffer.byteLength(native.code);
    const nf = nativeFit(b, summary, addonBytes, native.blobBytes);
    if (!nf.applies) return { ...fitBoard(b, summary, rt, labelsBytes), native: nf };
    // (the add-on is a Storage file of its own: its header and padding count too)
    const withAddon = {
      bytes: rt.bytes + storageFileBytes(addonBytes),
      functions: rt.functions + countFunctions(native.code),
    };
    const rep = fitBoard(b, summary, withAddon, labelsBytes);
    const nativeOps = summary.ops.filter((o) => NATIVE_OPS.includes(o.type)).length;
    const extra = Math.ceil(
      (native.blobBytes + 156 * nativeOps + 12 * summary.channelParams) / b.bytesPerJsVar,
    );
    rep.ram = { ...rep.ram, totalJsVars: rep.ram.totalJsVars + extra };
    rep.ram.totalBytes = rep.ram.totalJsVars * b.bytesPerJsVar;
    rep.ram.verdict = verdict(rep.ram.totalJsVars, rep.ram.availableJsVars);
    const rank = { fits: 0, tight: 1, "too big": 2 };
    rep.verdict = rank[rep.flash.verdict] >= rank[rep.ram.verdict] ? rep.flash.verdict : rep.ram.verdict;
    rep.reasons = reasons(b, rep.flash, rep.ram);
    return { ...rep, native: { ...nf, ramJsVars: extra } };
  });
  return { summary, reports, runtimeBytes: runtime.length };
}
