/**
 * Data movement and edge ops: RESHAPE/SQUEEZE, PAD, CONCATENATION, QUANTIZE, DEQUANTIZE,
 * RELU, RELU6. None accumulates; integer-only except QUANTIZE from float and DEQUANTIZE
 * to float, which are a model's float edges (the only float math invoke() can do).
 */
import { num } from "../fb.js";
import { fround, roundAway } from "../fixed.js";
import type { Eval, RtOp, RtTensor, View } from "../types.js";
import { type Ctx, check, clampQ, offs, quant, rq, strides } from "../util.js";

/** RESHAPE / SQUEEZE: x [..] -> y [..] same bytes; a no-op when the planner aliased them. */
export function reshape(
  _c: Ctx,
  _op: RtOp,
  _t: RtTensor[],
  Y: RtTensor,
  X: RtTensor,
  x: View,
  y: View,
): Eval {
  check(X.nel === Y.nel);
  return () => {
    if (x !== y) (y as Int8Array).set(x as Int8Array);
  };
}

/**
 * PAD (x [d0..dk] -> y [d0+p0a+p0b, ..], padding value = output zero point) and CONCATENATION
 * (along any axis; inputs must share the output's quantization): each input is copied to its place
 * in y, element i of x to base + sum over d of index_d * ystride_d (base: the padding before, or
 * the inputs before along the axis).
 */
export function pad(_c: Ctx, op: RtOp, a: RtTensor[], Y: RtTensor, X: RtTensor, _x: View, y: View): Eval {
  const cat = op.bc === 2;
  const r = Y.rk;
  const ys = strides(Y.dims, Y.dims);
  const p = (cat ? Y : (a[1] as RtTensor)).d as View;
  const xs = cat ? a : [X];
  let axis = num(op.opt, 0);
  if (axis < 0) axis += r;
  check(cat || p.length === 2 * r);
  xs.forEach((X) => {
    check(X.rk === r && (!cat || (X.zq === Y.zq && X.sq === Y.sq)), "inputs differ");
  });
  return () => {
    let base = 0;
    // (CONCATENATION's inputs then overwrite every byte)
    for (let i = Y.nel; i--; ) y[i] = Y.zq;
    for (let d = cat ? 0 : r; d--; ) base += (ys[d] as number) * (p[2 * d] as number);
    xs.forEach((X) => {
      const x = X.d as Int8Array;
      for (let i = X.nel; i--; ) y[base + offs(i, X.dims, ys)] = x[i] as number;
      base += (X.dims[axis] as number) * (ys[axis] as number);
    });
  };
}

/**
 * QUANTIZE (float32 -> int8: AffineQuantize; int8 -> int8: Requantize), DEQUANTIZE (int8 ->
 * float32: float(scale * (x - zp))), RELU and RELU6 (QuantizedReluX: requantized to the output's
 * parameters and clamped to the range, as a fused RELU / RELU6): one element at a time.
 */
export function unary(_c: Ctx, op: RtOp, _t: RtTensor[], Y: RtTensor, X: RtTensor, x: View, y: View): Eval {
  const xz = X.zq;
  const s = Y.sq;
  const q = quant([X.sq / s], op.bc === 19 ? 1 : op.bc === 21 ? 3 : 0, Y);
  return () => {
    for (let i = Y.nel; i--; ) {
      const v = x[i] as number;
      y[i] = !Y.ty ? X.sq * (v - xz) : X.ty ? rq(q, 0, v - xz) : clampQ(q, roundAway(fround(v / s)) + q.yz);
    }
  };
}
