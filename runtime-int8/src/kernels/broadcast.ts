/** Index arithmetic of the elementwise and data-movement kernels (broadcasting, placing a tensor inside another). */
import { check } from "../errors.js";

/** Field numbers of AddOptions, MulOptions and SubOptions. */
export enum ElementwiseOptions {
  FUSED_ACTIVATION = 0,
}

/** Where element i (flat, last dim fastest) of an array of `shape` lands under strides: sum of index_d * strides[d]. */
export function offsetOf(i: number, shape: number[], strides: number[]): number {
  let o = 0;
  for (let d = shape.length; d--; ) {
    const n = shape[d] as number;
    const k = i % n;
    i = (i - k) / n;
    o += k * (strides[d] as number);
  }
  return o;
}

/** Per dim of `out`: the stride along it of an array of `shape` (dims aligned to the right), 0 where it broadcasts (or has size 1). */
export function broadcastStrides(shape: number[], out: number[]): number[] {
  const s: number[] = [];
  let k = 1;
  for (let d = out.length; d--; ) {
    const j = d - out.length + shape.length;
    const n = j >= 0 ? (shape[j] as number) : 1;
    check(n === out[d] || n === 1, "shape [" + shape + "] does not broadcast to [" + out + "]");
    s[d] = n === 1 ? 0 : k;
    k *= n;
  }
  return s;
}
