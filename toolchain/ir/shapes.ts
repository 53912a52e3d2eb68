/**
 * Shape and type checks of a Graph, op by op. Every problem is an EdgeqError whose message
 * names the op index and type, what was expected and what was found, e.g.
 * `op 3 CONV_2D: input must be rank 4, got rank 3`.
 */
import { EdgeqError } from "../errors.js";
import { checkOp, fmt, numel, QUANTIZED } from "./op-checks.js";
import type { Graph, Tensor } from "./types.js";

export { broadcastShapes, numel, outSize } from "./op-checks.js";

/** Largest tensor checkGraph accepts (elements), so later stages never allocate absurd buffers. */
export const MAX_ELEMENTS = 2 ** 28;

function checkQuant(t: Tensor, i: number, activation: boolean): void {
  const q = t.quant;
  const where = `tensor ${i} '${t.name}'`;
  const bad = (msg: string, code = "shape/quant"): never => {
    throw new EdgeqError(code, `tensor ${i} '${t.name}': ${msg}`, where);
  };
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) bad(`shape ${fmt(t.shape)} has an invalid dimension`, "shape/tensor");
  }
  if (numel(t.shape) > MAX_ELEMENTS) {
    bad(
      `shape ${fmt(t.shape)} has more than 2^28 elements; edgeq models stay far below that`,
      "shape/tensor",
    );
  }
  if (!q) {
    if (QUANTIZED.has(t.dtype) && !t.data && activation) bad(`${t.dtype} activation has no quantization`);
    return;
  }
  if (t.dtype === "float32") return; // some converters attach (unused) quant params to float tensors
  if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) {
    bad(`${q.scale.length} scales and ${q.zeroPoint.length} zero points (need equal, >= 1)`);
  }
  if (q.scale.length > 1 && (q.axis < 0 || q.axis >= t.shape.length || t.shape[q.axis] !== q.scale.length)) {
    bad(`${q.scale.length} per-channel scales do not match axis ${q.axis} of shape ${fmt(t.shape)}`);
  }
  for (const s of q.scale) if (!(s > 0 && Number.isFinite(s))) bad(`scale ${s} must be finite and > 0`);
  const [lo, hi] =
    t.dtype === "int8" ? [-128, 127] : t.dtype === "uint8" ? [0, 255] : [-(2 ** 31), 2 ** 31 - 1];
  for (const z of q.zeroPoint) {
    if (!Number.isInteger(z) || z < lo || z > hi)
      bad(`zero point ${z} is outside ${t.dtype} range [${lo}, ${hi}]`);
  }
}

export interface CheckOptions {
  /**
   * Tensors computed by ops outside g.ops (ops a reader kept aside, see readTflite's
   * foreignOps): they count as activations that are ready before every op.
   */
  external?: readonly number[];
  /** Tensors a reader kept as placeholders (types edgeq cannot hold): not checked. */
  ignore?: readonly number[];
}

/** Checks every tensor's quantization and every op's shapes; throws EdgeqError on the first problem. */
export function checkGraph(g: Graph, opts: CheckOptions = {}): void {
  const external = opts.external ?? [];
  const n = g.tensors.length;
  for (const [what, xs] of [
    ["graph input", g.inputs],
    ["graph output", g.outputs],
  ] as const) {
    for (const i of xs) {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new EdgeqError("shape/index", `${what} ${i} is not a tensor (graph has ${n})`, "graph");
      }
    }
  }
  const activations = new Set<number>([...g.inputs, ...external]);
  for (const op of g.ops) for (const o of op.outputs) activations.add(o);
  const ignore = new Set(opts.ignore ?? []);
  g.tensors.forEach((t, i) => {
    if (!ignore.has(i)) checkQuant(t, i, activations.has(i));
  });
  g.ops.forEach((op, k) => {
    checkOp(g, op, k);
  });
  checkOrder(g, external);
}

/**
 * Ops run in list order: every input must be a constant, a graph input or the output of an
 * earlier op; no op may overwrite a constant, a graph input or another op's output.
 */
function checkOrder(g: Graph, external: readonly number[]): void {
  const ready = new Set<number>([...g.inputs, ...external]);
  g.tensors.forEach((t, i) => {
    if (t.data) ready.add(i);
  });
  const name = (i: number) => `tensor ${i} '${g.tensors[i]?.name ?? "?"}'`;
  g.ops.forEach((op, k) => {
    const fail = (msg: string): never => {
      throw new EdgeqError("shape/order", `op ${k} ${op.type}: ${msg}`, `op ${k}`);
    };
    for (const i of op.inputs) {
      if (i >= 0 && !ready.has(i)) {
        fail(`input ${name(i)} is not a constant, a graph input or the output of an earlier op`);
      }
    }
    for (const o of op.outputs) {
      if (ready.has(o))
        fail(`output ${name(o)} is already a constant, a graph input or an earlier op's output`);
      ready.add(o);
    }
  });
  for (const o of g.outputs) {
    if (!ready.has(o)) {
      throw new EdgeqError("shape/order", `graph output ${name(o)} is never computed`, "graph outputs");
    }
  }
}
