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

/** 2^53: the integers below it are exact doubles. */
const P53 = 9007199254740992;

/**
 * The Espruino path's requantization, one multiply-add per output (MultiplyByQuantizedMultiplier
 * as one floor). For channel k (Q31 multiplier m, left shift l, right shift r),
 * MultiplyByQuantizedMultiplier(acc) = floor((acc m 2^l + c) / 2^(31 + r)) with
 * c = 2^30 + 2^(30 + r) (2^30 when r = 0) for acc >= 0 and c' = 2^(31 + r) - c for acc < 0:
 * SaturatingRoundingDoublingHighMul's nudge and RoundingDivideByPOT's ties-away rounding compose
 * into one floor, since floor((floor(u) + i) / 2^r) = floor((u + i) / 2^r) for an integer i.
 * Folding in the row term ws (acc = a + ws: bias and offsets) and u0 = 128 + output zero point:
 *   v = a A + (a < -ws ? Bn : Bp) = that quotient + u0,
 * and clamp(floor(v), 0, 255) - 128 is the output before the activation clamp: the eval stores
 * `v | 0` into a Uint8ClampedArray view of y (an integer store: the same clamp on every engine;
 * where v < 0, floor and truncation both clamp to 0) and maps it through clampTable() at the end.
 * Exact: every intermediate is an integer multiple of 2^-(31 + r) below 2^53 of them while
 * (|acc| + |ws|) m 2^l + 257 2^(31 + r) < 2^53, and acc << l must not wrap (|acc| 2^l < 2^31);
 * bound[k] is the largest |acc| channel k's weights allow. Returns [A, Bp, Bn, -ws] per channel
 * (Bn and -ws empty when lo >= zero point: RAM on a board),
 * or undefined when some channel's bound is too large (the op then keeps the portable loop and
 * `requantize`: the same bytes, slower; also every r > 13, a real multiplier below 2^-14).
 */
export function floorRequantization(q: Q, ws: number[], bound: number[]): Float64Array[] | undefined {
  const n = ws.length;
  const A = new Float64Array(n);
  const Bp = new Float64Array(n);
  // (lo >= zero point: a negative acc gives lo with either constant; Bn and -ws only where lo < zero point)
  const signed = q.lo < q.yz;
  const Bn = new Float64Array(signed ? n : 0);
  const W = new Float64Array(signed ? n : 0);
  const u0 = 128 + q.yz;
  for (let k = n; k--; ) {
    const r = q.r[k] as number;
    const l = Math.pow(2, q.l[k] as number);
    const m = (q.m[k] as number) * l;
    const D = Math.pow(2, 31 + r);
    const c = r ? 1073741824 + D / 2 : 1073741824;
    const s = ws[k] as number;
    const b = bound[k] as number;
    if ((b + (s < 0 ? -s : s)) * m + 257 * D >= P53 || b * l >= 2147483648) return undefined;
    A[k] = m / D;
    Bp[k] = (s * m + c + u0 * D) / D;
    if (signed) {
      Bn[k] = (s * m + D - c + u0 * D) / D;
      W[k] = -s;
    }
  }
  return [A, Bp, Bn, W];
}

/** floorRequantization's table: u in 0..255 to the int8 output u - 128 within q's activation range. */
export function clampTable(q: Q): Int8Array {
  const t = new I8(256);
  for (let u = 256; u--; ) t[u] = clampToActivation(q, u - 128);
  return t;
}

/** Sum of |v + z| over the values of w (an accumulator bound: times the largest |x + offset|). */
export function absSum(w: Int8Array, z: number): number {
  let a = 0;
  for (let i = w.length; i--; ) {
    const v = (w[i] as number) + z;
    a += v < 0 ? -v : v;
  }
  return a;
}

/** A Uint8ClampedArray over y's bytes (the Espruino path's stores: floorRequantization). */
export function clampedView(y: Int8Array): Uint8ClampedArray {
  return new Uint8ClampedArray(y.buffer, y.byteOffset, y.length);
}

/**
 * Espruino keeps a typed array's byteOffset in 16 bits (a view or subarray past byte 65535 of its
 * buffer throws "byteOffset too large"): whether every subarray of a lies below that.
 */
export function subarrays(a: Int8Array): boolean {
  return a.byteOffset + a.length <= 65536;
}
