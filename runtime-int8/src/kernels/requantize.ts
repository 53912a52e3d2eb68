/**
 * Requantization shared by the kernels: an op's output multipliers (computed once at prepare),
 * MultiplyByQuantizedMultiplier + zero point + activation clamp at eval (integer only), and the
 * small integer helpers around it.
 */
import { check } from "../errors.js";
import { fround, mq, quantizeMultiplier, roundAway } from "../fixed.js";
import { Activation, type Q, type RtTensor } from "../types.js";

export { mq } from "../fixed.js";

/** Int8Array under a short name once minified. */
export const I8 = Int8Array;

/** n int32 zeros. */
export function zeros(n: number): Int32Array {
  return new Int32Array(n);
}

/** v / n (n > 0) rounded half away from zero: C's (v +- n/2) / n, truncating. */
export function roundedDivide(v: number, n: number): number {
  v = v > 0 ? v + (n >> 1) : v - (n >> 1);
  return (v - (v % n)) / n;
}

/** v clamped to int8. */
export function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/**
 * Q of the real multipliers `reals` (done once at prepare), fused activation `activation` (its
 * range as CalculateActivationRangeQuantized: zero point + round(float(f / scale)), within int8),
 * output Y; its fields are added to `into` (a Geom's geometry) when given.
 */
export function requantization<G>(reals: number[], activation: number, Y: RtTensor, into?: G): Q & G {
  const n = reals.length;
  const m = zeros(n);
  const l = zeros(n);
  const r = zeros(n);
  for (let i = n; i--; ) {
    const qm = quantizeMultiplier(reals[i] as number);
    const shift = qm[1] as number;
    m[i] = qm[0] as number;
    l[i] = shift > 0 ? shift : 0;
    r[i] = (l[i] as number) - shift;
  }
  const quantize = (f: number) => clampInt8(Y.firstZeroPoint + roundAway(fround(f / Y.firstScale)));
  const q = (into || {}) as Q & G;
  q.m = m;
  q.l = l;
  q.r = r;
  // (no bound: +-Infinity, which clamp to int8's ends)
  q.lo = quantize(
    activation === Activation.RELU_N1_TO_1
      ? -1
      : activation === Activation.RELU || activation === Activation.RELU6
        ? 0
        : -1 / 0,
  );
  q.hi = quantize(activation === Activation.RELU_N1_TO_1 ? 1 : activation === Activation.RELU6 ? 6 : 1 / 0);
  q.yz = Y.firstZeroPoint;
  return q;
}

/** Requantizes int32 acc of channel k: MultiplyByQuantizedMultiplier, + zero point, clamped (integer only). */
export function requantize(q: Q, k: number, acc: number): number {
  return clampToActivation(q, mq(q, k, acc | 0) + q.yz);
}

/** v clamped to q's activation range. */
export function clampToActivation(q: Q, v: number): number {
  return v < q.lo ? q.lo : v > q.hi ? q.hi : v;
}

/** Bias B as an Int32Array of n (its view into the model; zeros when absent). */
export function bias(B: RtTensor | undefined, n: number): Int32Array {
  // (every tensor an op names has a view by now)
  if (!B) return zeros(n);
  check(B.size === n, "bias has " + B.size + " values, " + n + " output channels");
  return B.view as Int32Array;
}
