/** Placing tensors inside a larger one (PAD, CONCATENATION). */
import type { RtTensor } from "../types.js";
import { offsetOf } from "./broadcast.js";

/** Row-major strides of `shape`. */
export function stridesOf(shape: number[]): number[] {
  const s: number[] = [];
  let k = 1;
  for (let d = shape.length; d--; ) {
    s[d] = k;
    k *= shape[d] as number;
  }
  return s;
}

/** Copies every element i of X into y at base + offsetOf(i, X's shape, the strides of y). */
export function place(y: Int8Array, base: number, yStrides: number[], X: RtTensor): void {
  const x = X.view as Int8Array;
  const shape = X.shape;
  for (let i = X.size; i--; ) y[base + offsetOf(i, shape, yStrides)] = x[i] as number;
}
