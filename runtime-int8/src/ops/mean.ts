/**
 * MEAN over any set of axes, int8.
 * Shapes: x [d0..dk] int8, axes int32 constant -> y (the reduced shape) int8.
 * Follows TFLite's reference kernels: for keep_dims over axes {1, 2} of a 4-D input,
 * reference_integer_ops::Mean: sum of (x - zp_in) (|sum| < 2^31 for fewer than 2^23 values),
 * MultiplyByQuantizedMultiplier(in_scale / out_scale), divide by the count rounding half away
 * from zero, add zp_out, clamp; otherwise, with equal input and output quantization,
 * reference_ops::Mean (sum of raw values / count, truncated). TFLite computes the remaining case
 * (other axes with different quantization) in float (QuantizedMeanOrSum); the runtime stays
 * integer-only and uses the integer Mean formula there, which can differ by 1.
 */
import { num } from "../fb.js";
import type { Eval, RtOp, RtTensor, View } from "../types.js";
import { type Ctx, check, clampQ, mq, offs, quant, rdiv, strides, zeros } from "../util.js";

export function mean(_c: Ctx, op: RtOp, t: RtTensor[], Y: RtTensor, X: RtTensor, x: View, y: View): Eval {
  const ax = (t[1] as RtTensor).d as View;
  const xs = X.dims;
  // the kept shape (reduced dims 1) and the count of values per output
  const kept = xs.slice();
  let cnt = 1;
  for (let i = ax.length; i--; ) {
    const a = (ax[i] as number) + ((ax[i] as number) < 0 ? X.rk : 0);
    cnt *= kept[a] as number;
    kept[a] = 1;
  }
  check(cnt * Y.nel === X.nel);
  // output index of every input element: strides over the kept dims
  const ostr = strides(kept, xs);
  // TFLite's special case: keep_dims, 4-D, axes exactly {1, 2}
  const spatial =
    num(op.opt, 0, 0, 1) &&
    X.rk === 4 &&
    ax.length === 2 &&
    (ax[0] as number) * (ax[1] as number) === 2 &&
    (ax[0] as number) + (ax[1] as number) === 3;
  const raw = !spatial && X.zq === Y.zq && X.sq === Y.sq;
  const q = quant([X.sq / Y.sq], 0, Y);
  const xz = raw ? 0 : X.zq;
  return () => {
    const acc = zeros(Y.nel);
    for (let i = X.nel; i--; ) {
      const o = offs(i, xs, ostr);
      acc[o] = (acc[o] as number) + (x[i] as number) - xz;
    }
    for (let k = Y.nel; k--; ) {
      const v = acc[k] as number;
      y[k] = clampQ(q, raw ? (v - (v % cnt)) / cnt : rdiv(mq(q, 0, v), cnt) + q.yz);
    }
  };
}
