/**
 * MEAN, int8, over any axes, keep_dims or not, any input and output quantization, as current
 * TFLite Micro computes it (reduce_common.cc -> reference_ops::QuantizedMeanOrSum; current
 * TFLite's reference kernel is the same):
 *   x [d0..dk] int8, axes int32 constant (negative ones count from the end, repeats count once)
 *   -> y, x's shape without the axes (keep_dims: with them as 1), int8.
 *   sum = the raw values over the axes (int32); n = the count per output;
 *   y = clamp(MultiplyByQuantizedMultiplier(sum - zp_in * n, m', s') + zp_out), where (m, s) =
 *   QuantizeMultiplier(in_scale / out_scale) and the count is folded into the multiplier:
 *   shift = min(floor(log2 n), 32, 31 + s), m' = (m << shift) / n (truncated), s' = s - shift.
 * Overflow: |sum| <= 128 n and |sum - zp_in n| <= 256 n stay below 2^31 while n < 2^23 (a tensor
 * holds at most 2^26 bytes, so n < 2^23 unless one output takes more than 8 M values); past
 * that C's int32 arithmetic wraps, as `| 0` does here.
 * (Native TFLite 2.9 differs: it truncates sum / n for equal quantizations and computes in float
 * for different ones unless keep_dims over axes {1, 2}; the parity tests name those values.)
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor, View } from "../types.js";
import { stridesOf } from "./layout.js";
import { clampToActivation, mq, requantization, zeros } from "./requantize.js";

export const mean: Kernel = {
  code: Builtin.MEAN,
  name: "MEAN",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const axes = (inputs[1] as RtTensor).view as View;
    const shape = X.shape;
    const rank = shape.length;
    // ResolveAxis: the reduced axes, each once; the count n of values per output
    const reduced: boolean[] = [];
    let n = 1;
    for (let i = axes.length; i--; ) {
      const a = (axes[i] as number) + ((axes[i] as number) < 0 ? rank : 0);
      if (!reduced[a]) n *= shape[a] as number;
      reduced[a] = true;
    }
    // (an axis out of range gives n NaN)
    check(n * Y.size === X.size && n > 0, "axes do not reduce [" + shape + "] to [" + Y.shape + "]");
    // per input axis, the stride of the output index along it (0 along a reduced axis)
    const keptStrides = stridesOf(shape.map((d, a) => (reduced[a] ? 1 : d)));
    const outputStrides = keptStrides.map((s, a) => (reduced[a] ? 0 : s));
    // the count folded into the multiplier (all float work here, once)
    const q = requantization([X.firstScale / Y.firstScale], 0, Y);
    const s = (q.l[0] as number) - (q.r[0] as number);
    let shift = 0;
    for (let p = 2; p <= n && shift < 32; p *= 2) shift++;
    if (shift > 31 + s) shift = 31 + s;
    // m' = floor(m * 2^shift / n), exactly: the quotient of m, then one bit of the remainder at a time
    let remainder = q.m[0] as number;
    let folded = (remainder - (remainder % n)) / n;
    remainder %= n;
    for (let b = shift; b--; ) {
      remainder *= 2;
      folded *= 2;
      if (remainder >= n) {
        remainder -= n;
        folded++;
      }
    }
    q.m[0] = folded;
    q.l[0] = s - shift > 0 ? s - shift : 0;
    q.r[0] = s - shift > 0 ? 0 : shift - s;
    const offset = X.firstZeroPoint * n;
    const sums = zeros(Y.size);
    const last = rank - 1;
    const inner = last < 0 ? 1 : (shape[last] as number);
    const innerStride = last < 0 ? 0 : (outputStrides[last] as number);
    const index = zeros(rank);
    return () => {
      for (let k = Y.size; k--; ) sums[k] = 0;
      // x in order, a row along the last axis at a time; o: the output of the row's first value
      let o = 0;
      for (let i = 0; i < X.size; ) {
        for (let k = 0, a = o; k < inner; k++, a += innerStride)
          sums[a] = ((sums[a] as number) + (x[i++] as number)) | 0;
        for (let d = last; d--; ) {
          o += outputStrides[d] as number;
          const next = (index[d] as number) + 1;
          if (next < (shape[d] as number)) {
            index[d] = next;
            break;
          }
          index[d] = 0;
          o -= (shape[d] as number) * (outputStrides[d] as number);
        }
      }
      for (let k = Y.size; k--; )
        y[k] = clampToActivation(q, mq(q, 0, ((sums[k] as number) - offset) | 0) + q.yz);
    };
  },
};
