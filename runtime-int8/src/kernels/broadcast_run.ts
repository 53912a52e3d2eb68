/**
 * A faster index for the common broadcasts of the elementwise kernels (ADD, SUB, PRELU, MAXIMUM,
 * MINIMUM): offsetOf (broadcast.ts) loops over every dim for every element, which on Espruino costs
 * tens of microseconds an element. When an operand's own dims (those over 1) are one run of the
 * output's dims, as for the output's own shape, a per-channel [C] or [1, 1, 1, C], a per-pixel
 * [1, H, W, 1] or a scalar, output element i reads operand element floor(i / inner) % size.
 */
import { broadcastStrides, offsetOf } from "./broadcast.js";

/**
 * The operand index of output element i for an operand of `shape` broadcast against `out`
 * (checked at prepare: it throws when the shapes do not broadcast): floor(i / inner) % size where
 * that holds, else offsetOf. Integer only.
 */
export function broadcastIndex(shape: number[], out: number[]): (i: number) => number {
  const strides = broadcastStrides(shape, out);
  // the operand's run of dims: first to last with a stride (dims over 1 that it does not broadcast)
  let first = -1;
  let last = -1;
  for (let d = 0; d < out.length; d++)
    if (strides[d]) {
      if (first < 0) first = d;
      last = d;
    }
  let inner = 1;
  let size = 1;
  for (let d = out.length; d--; ) {
    const n = out[d] as number;
    if (d > last) inner *= n;
    else if (d >= first) {
      // broadcast along a dim inside the run: no single run
      if (!strides[d] && n > 1) return (i) => offsetOf(i, out, strides);
      size *= n;
    }
  }
  return (i) => ((i - (i % inner)) / inner) % size;
}
