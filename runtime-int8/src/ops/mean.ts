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
import { mbqm } from "../fixed.js";
import type { Eval, RtOp, RtTensor } from "../types.js";
import { type Ctx, check, clamp8, offs, quant, sc, zp } from "../util.js";

export function mean(_c: Ctx, op: RtOp, t: RtTensor[], Y: RtTensor): Eval {
  const X = t[0] as RtTensor;
  const A = t[1] as RtTensor;
  const rank = X.shape.length;
  check(!!A.d);
  // reduced dims (true; undefined for kept ones)
  const red: boolean[] = [];
  for (let i = 0; i < A.size; i++) {
    const ax = A.d![i] as number;
    red[ax < 0 ? ax + rank : ax] = true;
  }
  // output index of every input element: strides over the kept dims
  const ostr: number[] = [];
  let s = 1;
  let cnt = 1;
  for (let i = rank - 1; i >= 0; i--) {
    ostr[i] = red[i] ? 0 : s;
    if (red[i]) cnt *= X.shape[i] as number;
    else s *= X.shape[i] as number;
  }
  check(s === Y.size);
  // TFLite's special case: keep_dims, 4-D, axes exactly {1, 2}
  const spatial = num(op.opt, 0, 0, 1) !== 0 && rank === 4 && red[1] && red[2] && !red[0] && !red[3];
  const raw = !spatial && zp(X) === zp(Y) && sc(X) === sc(Y);
  const q = quant([sc(X) / sc(Y)], 0, Y);
  const m = q.m[0] as number;
  const l = q.l[0] as number;
  const r = q.r[0] as number;
  const xz = raw ? 0 : zp(X);
  const yz = zp(Y);
  const x = X.d as Int8Array;
  const y = Y.d as Int8Array;
  const acc = new Int32Array(Y.size);
  const half = cnt >> 1;
  return () => {
    for (let k = 0; k < Y.size; k++) acc[k] = 0;
    for (let i = 0; i < X.size; i++) {
      const o = offs(i, X.shape, ostr);
      acc[o] = (acc[o] as number) + (x[i] as number) - xz;
    }
    for (let k = 0; k < Y.size; k++) {
      let v = acc[k] as number;
      if (raw) v = (v - (v % cnt)) / cnt;
      else {
        v = mbqm(v, m, l, r);
        v = v > 0 ? v + half : v - half;
        v = (v - (v % cnt)) / cnt + yz;
      }
      y[k] = clamp8(v);
    }
  };
}
