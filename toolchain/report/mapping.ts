/**
 * Which float tensor each int8 op output is compared with.
 *
 * 1. By name: an int8 op output whose name equals a float activation tensor's name (the
 *    quantizer keeps tensor names) with the same element count. A fused op keeps its own
 *    output name, so the match extends over the float ops folded into it (as in 2).
 * 2. Otherwise by structure, walking both op lists in order: the next float op of the same
 *    type, extended over the float ops quantization folds or fuses into it (MUL/ADD with a
 *    constant operand = batch norm, RELU, RELU6) unless the int8 graph has that op itself.
 * QUANTIZE of a graph input maps to the float input; DEQUANTIZE maps where its input maps.
 * Unmatched ops are reported without metrics.
 */
import type { Graph, Op } from "../ir/types.js";

export interface LayerMatch {
  /** int8 op index. */
  op: number;
  /** float tensor index compared with the int8 op's first output, or -1. */
  floatTensor: number;
  /** float ops covered (first = the op of the same type; then folded followers). */
  floatOps: number[];
  by: "name" | "structure" | "input" | "dequantize" | "none";
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isConst(g: Graph, t: number): boolean {
  return t >= 0 && g.tensors[t]?.data !== undefined;
}

/** Ops quantization folds into the previous op (batch norm as MUL/ADD by a constant, ReLU). */
function isFoldable(g: Graph, op: Op): boolean {
  if (op.type === "RELU" || op.type === "RELU6") return true;
  if (op.type === "MUL" || op.type === "ADD") return op.inputs.some((t) => isConst(g, t));
  return false;
}

function sameSize(qg: Graph, qt: number, fg: Graph, ft: number): boolean {
  const a = qg.tensors[qt];
  const b = fg.tensors[ft];
  return !!a && !!b && numel(a.shape) === numel(b.shape);
}

export function matchLayers(fg: Graph, qg: Graph): LayerMatch[] {
  const byName = new Map<string, number>();
  fg.tensors.forEach((t, i) => {
    if (t.data === undefined && !byName.has(t.name)) byName.set(t.name, i);
  });
  const producer = new Map<number, number>();
  fg.ops.forEach((op, i) => {
    for (const t of op.outputs) producer.set(t, i);
  });
  const out: LayerMatch[] = [];
  const mapped = new Map<number, number>(); // int8 tensor -> float tensor
  let j = 0;
  const nextQType = (k: number): string | undefined => {
    for (let m = k + 1; m < qg.ops.length; m++) {
      const t = qg.ops[m]!.type;
      if (t !== "QUANTIZE" && t !== "DEQUANTIZE") return t;
    }
    return undefined;
  };
  /** Float op f and the foldable ops that consume its output in a chain, unless int8 op k+1 is one. */
  const extend = (f: number, k: number): number[] => {
    const ops = [f];
    const nq = nextQType(k);
    while (f + 1 < fg.ops.length) {
      const nxt = fg.ops[f + 1]!;
      if (!isFoldable(fg, nxt) || nxt.type === nq || !nxt.inputs.includes(fg.ops[f]!.outputs[0] ?? -2)) break;
      f++;
      ops.push(f);
    }
    return ops;
  };
  for (let k = 0; k < qg.ops.length; k++) {
    const op = qg.ops[k]!;
    const qt = op.outputs[0] ?? -1;
    const rec = (floatTensor: number, floatOps: number[], by: LayerMatch["by"]): void => {
      out.push({ op: k, floatTensor, floatOps, by });
      if (floatTensor >= 0) mapped.set(qt, floatTensor);
    };
    const named = byName.get(qg.tensors[qt]?.name ?? "");
    if (named !== undefined && sameSize(qg, qt, fg, named)) {
      const p = producer.get(named);
      if (p === undefined || op.type === "QUANTIZE" || op.type === "DEQUANTIZE") {
        rec(named, p !== undefined ? [p] : [], "name");
        continue;
      }
      // the fused op keeps its own output name: extend over what quantization folded into it
      const ops = extend(p, k);
      const last = ops[ops.length - 1]!;
      j = Math.max(j, last + 1);
      const ft = fg.ops[last]!.outputs[0] ?? -1;
      rec(sameSize(qg, qt, fg, ft) ? ft : named, ops, "name");
      continue;
    }
    if (op.type === "QUANTIZE") {
      const src = op.inputs[0] ?? -1;
      const gi = qg.inputs.indexOf(src);
      const ft = gi >= 0 ? (fg.inputs[gi] ?? -1) : (mapped.get(src) ?? -1);
      if (ft >= 0 && sameSize(qg, qt, fg, ft)) rec(ft, [], gi >= 0 ? "input" : "dequantize");
      else rec(-1, [], "none");
      continue;
    }
    if (op.type === "DEQUANTIZE") {
      const ft = mapped.get(op.inputs[0] ?? -1) ?? -1;
      rec(ft, [], ft >= 0 ? "dequantize" : "none");
      continue;
    }
    let f = j;
    while (f < fg.ops.length && fg.ops[f]!.type !== op.type) f++;
    if (f >= fg.ops.length) {
      rec(-1, [], "none");
      continue;
    }
    const ops = extend(f, k);
    f = ops[ops.length - 1]!;
    j = f + 1;
    const ft = fg.ops[f]!.outputs[0] ?? -1;
    if (ft >= 0 && sameSize(qg, qt, fg, ft)) rec(ft, ops, "structure");
    else rec(-1, ops, "none");
  }
  return out;
}
