/**
 * Data movement and edge ops: RESHAPE/SQUEEZE, PAD, CONCATENATION, QUANTIZE, DEQUANTIZE,
 * RELU, RELU6. None accumulates; integer-only except QUANTIZE from float and DEQUANTIZE
 * to float, which are a model's float edges (the only float math invoke() can do).
 */
import { num } from "../fb.js";
import { fround, roundAway } from "../fixed.js";
import type { Eval, RtOp, RtTensor, View } from "../types.js";
import { type Ctx, check, i8, offs, type Q, quant, rq, sc, tin, tout, zp } from "../util.js";

/** RESHAPE / SQUEEZE: x [..] -> y [..] same bytes; a no-op when the planner aliased them. */
export function reshape(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  check(X.size === Y.size);
  const x = X.d as View;
  const y = Y.d as View;
  return () => {
    if (x !== y) y.set(x as Int8Array);
  };
}

/** PAD: x [d0..dk] -> y [d0+p0a+p0b, ..], padding value = output zero point. */
export function pad(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const P = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const r = X.shape.length;
  const p = P.d;
  check(!!p && P.size === 2 * r && Y.shape.length === r);
  // y's strides, and the offset of x's first element in y
  const ys: number[] = [];
  let k = 1;
  let base = 0;
  for (let d = r - 1; d >= 0; d--) {
    ys[d] = k;
    base += k * ((p as View)[2 * d] as number);
    k *= Y.shape[d] as number;
  }
  const x = i8(X);
  const y = i8(Y);
  const v = zp(Y);
  return () => {
    for (let i = 0; i < Y.size; i++) y[i] = v;
    for (let i = 0; i < X.size; i++) y[base + offs(i, X.shape, ys)] = x[i] as number;
  };
}

/** CONCATENATION along any axis; inputs must share the output's quantization. */
export function concat(c: Ctx, op: RtOp): Eval {
  const Y = tout(c, op, 0);
  let axis = num(op.opt, 0, 0, 4);
  if (axis < 0) axis += Y.shape.length;
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= Y.shape[i] as number;
  const xs: Int8Array[] = [];
  const inner: number[] = [];
  for (let k = 0; k < op.inputs.length; k++) {
    const X = tin(c, op, k);
    check(zp(X) === zp(Y) && sc(X) === sc(Y), "inputs and output must share scale and zero point");
    xs.push(i8(X));
    inner.push((X.size / outer) >> 0);
  }
  const y = i8(Y);
  const yn = (Y.size / outer) >> 0;
  return () => {
    let base = 0;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as Int8Array;
      const n = inner[k] as number;
      for (let i = 0; i < x.length; i++) y[((i / n) >> 0) * yn + base + (i % n)] = x[i] as number;
      base += n;
    }
  };
}

/** QUANTIZE float32 -> int8 (AffineQuantize), or int8 -> int8 (Requantize). */
export function quantize(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  const y = i8(Y);
  const s = sc(Y);
  const yz = zp(Y);
  const n = Y.size;
  if (X.type === 0) {
    const x = X.d as Float32Array;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = roundAway(fround((x[i] as number) / s)) + yz;
        y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
    };
  }
  return requant(X, Y, quant([sc(X) / s], 0, Y));
}

/** Requantizes int8 x to y's parameters (MultiplyByQuantizedMultiplier of x - zp), clamped to q's range. */
function requant(X: RtTensor, Y: RtTensor, q: Q): Eval {
  const x = i8(X);
  const y = i8(Y);
  const xz = zp(X);
  return () => {
    for (let i = 0; i < y.length; i++) y[i] = rq(q, 0, (x[i] as number) - xz);
  };
}

/** DEQUANTIZE int8 -> float32: float(scale * (x - zp)). */
export function dequantize(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  const x = i8(X);
  const y = Y.d as Float32Array;
  const s = sc(X);
  const xz = zp(X);
  return () => {
    for (let i = 0; i < x.length; i++) y[i] = s * ((x[i] as number) - xz);
  };
}

/** RELU / RELU6 int8 (QuantizedReluX): requantize to the output params, clamp to the range (as a fused RELU / RELU6). */
export function relu(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  return requant(X, Y, quant([sc(X) / sc(Y)], op.code === 21 ? 3 : 1, Y));
}
