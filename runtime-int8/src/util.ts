/** Small helpers shared by the ops (load-time only unless noted). */

import type { Fb } from "./fb.js";
import { actRange, multipliers } from "./fixed.js";
import type { RtOp, RtTensor, View } from "./types.js";

export interface Ctx {
  fb: Fb;
  t: RtTensor[];
  /** Native dot product of two equal-length views (Espruino E.convolve), or undefined. */
  dot?: (a: View, b: View) => number;
  /** Native sum of a view (Espruino E.sum), present with dot. */
  sum?: (a: View) => number;
}

export function tin(c: Ctx, op: RtOp, i: number): RtTensor {
  return c.t[op.inputs[i] as number] as RtTensor;
}
export function tout(c: Ctx, op: RtOp, i: number): RtTensor {
  return c.t[op.outputs[i] as number] as RtTensor;
}
export function i8(t: RtTensor): Int8Array {
  return t.d as Int8Array;
}
export function zp(t: RtTensor): number {
  return t.zeroPoint[0] || 0;
}
export function sc(t: RtTensor): number {
  return t.scale[0] || 0;
}
/** Dimension i counted from the end when negative. */
export function dim(t: RtTensor, i: number): number {
  return t.shape[i < 0 ? t.shape.length + i : i] as number;
}

/** SAME / VALID padding before the data (TFLite ComputePaddingHeightWidth). */
export function padBefore(
  same: boolean,
  stride: number,
  dil: number,
  inSize: number,
  k: number,
  outSize: number,
): number {
  if (!same) return 0;
  const total = (outSize - 1) * stride + (k - 1) * dil + 1 - inSize;
  return total > 0 ? total >> 1 : 0;
}

/** Output size TFLite computes; the runtime checks the file's shape against it. */
export function outSize(same: boolean, stride: number, dil: number, inSize: number, k: number): number {
  const eff = (k - 1) * dil + 1;
  return same ? ((inSize + stride - 1) / stride) >> 0 : ((inSize + stride - eff) / stride) >> 0;
}

export function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error("edgeqrt: " + msg);
}

/**
 * Requantization parameters of a conv-like op: per-channel multipliers of
 * inputScale * filterScale[c] / outputScale (doubles, as PopulateConvolutionQuantizationParams),
 * and the activation range. Returns [m, l, r, [lo, hi]].
 */
export function convQuant(x: RtTensor, w: RtTensor, y: RtTensor, n: number, act: number): Int32Array[] {
  const reals: number[] = [];
  for (let c = 0; c < n; c++)
    reals.push((sc(x) * (w.scale.length > 1 ? (w.scale[c] as number) : sc(w))) / sc(y));
  const m = multipliers(reals);
  const a = actRange(act, sc(y), zp(y));
  m.push(new Int32Array(a));
  return m;
}

/** Bias as an Int32Array of n (zeros when absent). */
export function bias(c: Ctx, op: RtOp, i: number, n: number): Int32Array {
  const out = new Int32Array(n);
  const b = (op.inputs[i] as number) >= 0 ? tin(c, op, i) : undefined;
  if (b && b.d) {
    check(b.size === n, "bias has " + b.size + " values, expected " + n);
    for (let k = 0; k < n; k++) out[k] = b.d[k] as number;
  }
  return out;
}
