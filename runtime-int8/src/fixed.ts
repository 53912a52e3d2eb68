/**
 * Fixed-point arithmetic exactly as TFLite's reference kernels (gemmlowp fixedpoint.h,
 * kernels/internal/common.h, quantization_util.cc).
 *
 * Load-time helpers (quantizeMultiplier, fround, roundAway) may use
 * floating point. Eval-time helpers (srdhm, rdbpot, mq) only ever hold integer values:
 * every intermediate below is an integer of at most 48 bits, which a JS number (53-bit
 * mantissa) holds exactly, and every division is by a power of two of a value that is a
 * multiple of it (exact). No Math.imul / Math.round / Math.clz32 / `**` (Espruino).
 */

const f32 = new Float32Array(1);

/** 2^31 (once minified, one short name for 2^31, 2^31 - 1, -2^31, 2^30 and 2^26 as P31 - 1, -P31, P31 / 2, P31 / 32). */
export const P31 = 2147483648;

/** Math, under a short name once minified (no Math.imul / round / clz32 / fround through it either). */
export const M = Math;

/** Rounds a double to float32 (C's float arithmetic), like Math.fround. */
export function fround(x: number): number {
  f32[0] = x;
  return f32[0] as number;
}

/** std::round: half away from zero, exact for every double. */
export function roundAway(x: number): number {
  if (x < 0) return -roundAway(-x);
  const f = M.floor(x);
  return f + +(x - f >= 0.5);
}

/**
 * QuantizeMultiplier: double -> [Q31 multiplier, shift] (shift > 0 is a left shift). d = q * 2^e
 * with q in [0.5, 1) as std::frexp (halving and doubling are exact), then q * 2^31 rounded half
 * away from zero (exact: q * 2^31 + 1/2 is a double in [2^30, 2^31]).
 */
export function quantizeMultiplier(d: number): number[] {
  const ok = d > 0 && d < Infinity;
  let s = 0;
  for (; ok && d >= 1; s++) d /= 2;
  for (; ok && d < 0.5; s--) d *= 2;
  const q = M.floor(d * P31 + 0.5);
  return !ok || s < -31 ? [0, 0] : q >= P31 ? [P31 / 2, s + 1] : [q, s];
}

/**
 * SaturatingRoundingDoublingHighMul(a, b) for int32 a, b: (a*b + nudge) / 2^31, truncated.
 * a*b has up to 62 bits, so it is split: b = bh*2^16 + bl, a*bh and a*bl are exact (< 2^47),
 * and the quotient is assembled from exact pieces that all share the sign of a*b.
 */
export function srdhm(a: number, b: number): number {
  if (a === -P31 && b === a) return P31 - 1;
  if (b < 0) {
    a = -a;
    b = -b;
  }
  const hi = a * (b >>> 16);
  const lo = a * (b & 0xffff) + (a < 0 ? 1 - P31 / 2 : P31 / 2);
  const hr = hi % 32768;
  const r = hr * 65536 + lo;
  return (hi - hr) / 32768 + (r - (r % P31)) / P31;
}

/** RoundingDivideByPOT(x, e) for int32 x, 0 <= e <= 31: x / 2^e, ties away from zero. */
export function rdbpot(x: number, e: number): number {
  const mask = (1 << e) - 1;
  return (x >> e) + +((x & mask) > (mask >> 1) + +(x < 0));
}

/**
 * MultiplyByQuantizedMultiplier(x) with channel k's multiplier m[k] and its shift, split at load:
 * l = max(shift, 0), r = max(-shift, 0). The one implementation (the ops call it through a Q).
 */
export function mq(
  q: { m: ArrayLike<number>; l: ArrayLike<number>; r: ArrayLike<number> },
  k: number,
  x: number,
): number {
  return rdbpot(srdhm(x << (q.l[k] as number), q.m[k] as number), q.r[k] as number);
}

/** mq for one multiplier m and its split shift l, r (the tests' entry point). */
export function mbqm(x: number, m: number, l: number, r: number): number {
  return mq({ m: [m], l: [l], r: [r] }, 0, x);
}
