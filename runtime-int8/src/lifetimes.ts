/**
 * Buffer lifetimes: which tensors need arena bytes, grouped into buffers (a RESHAPE output shares
 * its input's buffer; an in-place op's output takes its input's), each buffer live from the first
 * op that touches it to the last (the graph's inputs from op 0, its outputs to the end).
 * Also checks every activation's type against its op's kernel (int8 unless the kernel accepts another).
 */
import { fail } from "./errors.js";
import type { Graph } from "./parse.js";
import { type Kernel, type RtOp, type RtTensor, TensorType } from "./types.js";

export interface Lifetimes {
  /** The buffer of tensor t (the root of its group). */
  buffer: (t: number) => number;
  /**
   * Per buffer: first and last op index (-1 when unused; the graph's outputs live to the op count),
   * and bytes (a multiple of 4). Buffers 0 .. tensors - 1 are the tensors' own; in-place ops'
   * scratch buffers follow, scratch j at tensors + j.
   */
  first: number[];
  last: number[];
  size: number[];
  /** The ops that run in place, in the order of their scratch buffers. */
  inPlaceOps: RtOp[];
}

/** kernels[k]: op k's kernel, or undefined for an op folded at load (it uses no buffer). */
export function lifetimes(graph: Graph, kernels: (Kernel | undefined)[]): Lifetimes {
  const T = graph.tensors;
  const ops = graph.operators;
  const n = ops.length;
  const count = T.length;
  // per tensor its group parent (the root is the buffer), per buffer its lifetime and bytes
  const parent: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  const size: number[] = [];
  for (let i = count; i--; ) {
    parent[i] = i;
    // (all `count` entries: the scratch buffers go at count + j)
    first[i] = last[i] = -1;
    size[i] = 0;
  }
  const buffer = (t: number): number => {
    while (parent[t] !== t) t = parent[t] as number;
    return t;
  };
  const isActivation = (t: number) => t >= 0 && !(T[t] as RtTensor).data;
  // marks tensors ts as used by op k (k never decreases from call to call), checking types
  // against the op's kernel (none for the graph's own inputs and outputs)
  const touch = (ts: number[], k: number, kernel?: Kernel, outputsFrom?: number) => {
    ts.forEach((i, j) => {
      if (i < 0) return;
      const t = T[i] as RtTensor;
      const b = buffer(i);
      if (!isActivation(b)) return;
      if (kernel && t.type !== TensorType.INT8) {
        const isInput = j < (outputsFrom as number);
        const position = isInput ? j : j - (outputsFrom as number);
        if (!(kernel.accepts && kernel.accepts(t, isInput, position)))
          fail("op " + k + " " + kernel.name + ": tensor " + i + " (type " + t.type + ") is not int8");
      }
      if ((last[b] as number) < 0) first[b] = k;
      last[b] = k;
      const bytes = (t.size * t.elementBytes + 3) & ~3;
      if (bytes > (size[b] as number)) size[b] = bytes;
    });
  };
  touch(graph.inputs, 0);
  ops.forEach((op, k) => {
    const kernel = kernels[k];
    if (!kernel) return;
    const x = op.inputs[0] as number;
    if (kernel.aliasesInput && isActivation(x)) parent[op.outputs[0] as number] = buffer(x);
    touch(op.inputs.concat(op.outputs), k, kernel, op.inputs.length);
  });
  touch(graph.outputs, n);
  // in place (MCUNet): the output takes the input's buffer when no later op reads it (so it is not
  // a graph output, which lives to n; a graph input may go, as its bytes are refilled before each
  // invoke); the op's scratch is live during the op only
  const inPlaceOps: RtOp[] = [];
  ops.forEach((op, k) => {
    const kernel = kernels[k];
    const bx = buffer(op.inputs[0] as number);
    if (!(kernel && kernel.inPlaceScratch && isActivation(bx) && last[bx] === k)) return;
    const y = op.outputs[0] as number;
    const scratch = kernel.inPlaceScratch(T[op.inputs[0] as number] as RtTensor, T[y] as RtTensor);
    if (scratch < 0) return;
    parent[y] = bx;
    last[bx] = last[y] as number;
    last[y] = -1;
    size[y] = 0;
    inPlaceOps.push(op);
    first.push(k);
    last.push(k);
    size.push((scratch + 3) & ~3);
  });
  return { buffer: buffer, first: first, last: last, size: size, inPlaceOps: inPlaceOps };
}
