/**
 * Unary int8 activations as TFLite Micro computes them, each folded at prepare into a 256-entry
 * table (indexed by the input byte, x & 255): LOGISTIC and TANH (reference_integer_ops::Logistic /
 * Tanh: the input rescaled to Q4.27 by a multiplier and a range radius, then gemmlowp's fixed-point
 * logistic / tanh), HARD_SWISH (reference_ops::HardSwish, int16 fixed point) and LEAKY_RELU
 * (reference_ops::QuantizeLeakyRelu). Each output depends on its input byte only, so running the
 * reference arithmetic once per possible byte at load gives the kernel's outputs for every tensor;
 * eval is one table read per element (integer only; E.mapInPlace can do it natively on Espruino).
 * TFLite (not Micro) builds its LOGISTIC / TANH tables in float (1 / (1 + expf(-x)), tanhf); on
 * the parameter sets tried the two gave the same bytes, but the arithmetic here is TFLite Micro's.
 */
import { check } from "../errors.js";
import { fround, M, P31, quantizeMultiplier, rdbpot, srdhm } from "../fixed.js";
import type { Eval, RtTensor, View } from "../types.js";
import { clampInt8 } from "./requantize.js";

type MapInPlace = (from: View, to: View, map: View) => void;
declare const E: { mapInPlace?: MapInPlace } | undefined;

/**
 * The eval of a table op: y[i] = table[x[i] & 255] (integer only). On Espruino, E.mapInPlace does
 * the same natively (it reads each int8 as its byte, 0..255, and indexes the table with it).
 * Shapes: x [..] int8 -> y [x's shape] int8.
 */
export function lookupEval(X: RtTensor, Y: RtTensor, table: Int8Array): Eval {
  const x = X.view as Int8Array;
  const y = Y.view as Int8Array;
  check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
  const espruino = typeof E < "u" && E && E.mapInPlace ? E : undefined;
  if (espruino) return () => (espruino.mapInPlace as MapInPlace)(x, y, table);
  return () => {
    for (let i = Y.size; i--; ) y[i] = table[(x[i] as number) & 255] as number;
  };
}

// ---------------------------------------------------------------------------------------------
// gemmlowp fixed point (fixedpoint.h) on int32 raw values; FixedPoint<int32, k> holds k integer
// bits. Its + and - wrap (int32), * is SaturatingRoundingDoublingHighMul (srdhm).

/** SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31: x * 2^e, saturated to int32. */
function saturatingShiftLeft(x: number, e: number): number {
  const v = x * (1 << e);
  return v > P31 - 1 ? P31 - 1 : v < -P31 ? -P31 : v;
}

/** exp(a) for a <= 0 in FixedPoint<int32, integerBits> (integerBits <= 5) -> Q0.31 (exp_on_negative_values). */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const quarter = 1 << (fractionalBits - 2);
  // a mod 1/4 - 1/4, in [-1/4, 0)
  const aModQuarter = ((a & (quarter - 1)) - quarter) | 0;
  // exp_on_interval_between_negative_one_quarter_and_0_excl of Rescale<0>(aModQuarter): a left
  // shift by integerBits that cannot saturate (|aModQuarter| <= 2^(29 - integerBits)); Taylor
  // series around -1/8 (1/8 = 2^28 in Q0.31)
  const x = aModQuarter * (1 << integerBits) + P31 / 8;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4Over4 = rdbpot(srdhm(x2, x2), 2);
  const poly = rdbpot(srdhm(x4Over4 + x3, 715827883) + x2, 1);
  const expMinusEighth = 1895147668;
  let result = expMinusEighth + srdhm(expMinusEighth, x + poly);
  // the barrel shifter: times exp(-2^k) for each set bit k (k = -2 .. integerBits - 1) of the remainder
  const remainder = (aModQuarter - a) | 0;
  const multipliers = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  for (let k = -2; k < integerBits; k++)
    if (remainder & (1 << (fractionalBits + k))) result = srdhm(result, multipliers[k + 2] as number);
  return a ? result : P31 - 1;
}

/**
 * The Newton-Raphson reciprocal shared by one_over_one_plus_x_for_x_in_0_1 and
 * one_minus_x_over_one_plus_x_for_x_in_0_1: for a in [0, 1) (Q0.31), x ~ 1 / ((1 + a) / 2) in Q2.29.
 */
function reciprocalOfHalfDenominator(a: number): number {
  // RoundingHalfSum(a, One): (a + 2^31 - 1 + 1) / 2, truncated (the sum is positive for a >= 0)
  const sum = a + P31;
  const half = (sum - (sum % 2)) / 2;
  // 48/17 and -32/17 in Q2.29
  let x = (1515870810 + srdhm(half, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) x = (x + saturatingShiftLeft(srdhm(x, (P31 / 4 - srdhm(half, x)) | 0), 2)) | 0;
  return x;
}

/** gemmlowp::logistic of a in Q4.27 -> Q0.31. */
export function logisticQ4(a: number): number {
  if (!a) return P31 / 2;
  const positive = a > 0 ? a : -a;
  // logistic_on_positive_values: 1 / (1 + exp(-|a|)), Rescale<0>(ExactMulByPot<-1>(x)) = x << 1 saturated
  const r = saturatingShiftLeft(reciprocalOfHalfDenominator(expOnNegativeValues(-positive, 4)), 1);
  return a > 0 ? r : (P31 - 1 - r) | 0;
}

/** gemmlowp::tanh of a in Q4.27 -> Q0.31. */
export function tanhQ4(a: number): number {
  if (!a) return 0;
  const negative = a < 0 ? a : -a;
  // -tanh(negative) = (1 - exp(2 negative)) / (1 + exp(2 negative)); ExactMulByPot<1> reads the
  // same raw value with 5 integer bits
  const x = reciprocalOfHalfDenominator(expOnNegativeValues(negative, 5));
  const t = saturatingShiftLeft((x - P31 / 4) | 0, 2);
  return a < 0 ? -t | 0 : t;
}

// ---------------------------------------------------------------------------------------------

/** A 256-entry int8 table indexed by the input byte (x & 255) from f(int8 value). */
function table(f: (v: number) => number): Int8Array {
  const t = new Int8Array(256);
  for (let v = -128; v < 128; v++) t[v & 255] = f(v);
  return t;
}

/**
 * MultiplyByQuantizedMultiplier(x, m, shift) with [m, shift] from quantizeMultiplier (load time
 * only here: the left shift is a multiply, so a shift of 31 or more does not wrap as << would).
 */
function multiplyByQuantized(x: number, q: number[]): number {
  const shift = q[1] as number;
  return rdbpot(srdhm(shift > 0 ? x * (1 << shift) : x, q[0] as number), shift > 0 ? 0 : -shift);
}

/**
 * The eval of LOGISTIC (tanh false; output quantization (1/256, -128)) or TANH (tanh true; output
 * (1/128, 0)), the output quantizations TFLite requires: TFLite Micro's Prepare (multiplier of
 * input scale * 2^27 by frexp, range radius CalculateInputRadius(4, shift, 31)) and
 * reference_integer_ops::Logistic / Tanh, as a table. Refuses an input scale below 2^-28, where the
 * reference's radius shifts by a negative amount (undefined in C).
 */
export function sigmoidEval(X: RtTensor, Y: RtTensor, tanh: boolean): Eval {
  const scale = X.firstScale;
  const zeroPoint = X.firstZeroPoint;
  check(
    Y.firstScale === (tanh ? 1 / 128 : 1 / 256) && Y.firstZeroPoint === (tanh ? 0 : -128),
    "output quantization must be " + (tanh ? "(1/128, 0)" : "(1/256, -128)"),
  );
  const q = quantizeMultiplier(scale * 134217728);
  const shift = q[1] as number;
  check(q[0] !== 0 && shift >= 0, "input scale < 2^-28");
  // CalculateInputRadius: floor(15 * 2^27 / 2^shift)
  let radius = 15 * 134217728;
  for (let i = shift; i--; ) radius /= 2;
  radius = M.floor(radius);
  return lookupEval(
    X,
    Y,
    table((v) => {
      const x = v - zeroPoint;
      if (x <= -radius) return -128;
      if (x >= radius) return 127;
      // |x| 2^shift < 15 * 2^27: the Q4.27 input fits int32
      const q4 = multiplyByQuantized(x, q);
      return clampInt8(tanh ? rdbpot(tanhQ4(q4), 24) : rdbpot(logisticQ4(q4), 23) - 128);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// HARD_SWISH: int16 fixed point (gemmlowp's int16 SaturatingRoundingDoublingHighMul and
// RoundingDivideByPOT, TFLite's SaturatingLeftShift / SaturatingDoublingHighMul), results cast to
// int16 as C does (wrap).

function wrap16(v: number): number {
  return ((v + 32768) & 65535) - 32768;
}

/** C's a / 2^15 truncated toward zero, for |a| < 2^31. */
function divPow15(a: number): number {
  return (a - (a % 32768)) / 32768;
}

/** gemmlowp SaturatingRoundingDoublingHighMul on int16 (|result| <= 2^15, and 2^15 only for -2^15 squared). */
function srdhm16(a: number, b: number): number {
  if (a === -32768 && b === a) return 32767;
  const ab = a * b;
  return divPow15(ab + (ab >= 0 ? 16384 : 1 - 16384));
}

/** gemmlowp RoundingDivideByPOT on int16 (0 <= e <= 31; its mask (2^e - 1) is an int16, all ones for e >= 16). */
function rdbpot16(x: number, e: number): number {
  const mask = e >= 16 ? -1 : (1 << e) - 1;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return wrap16((x >> e) + ((x & mask) > threshold ? 1 : 0));
}

/** SaturatingLeftShift(int16 value, amount): value 2^amount clamped to int16. */
function saturatingShiftLeft16(v: number, amount: number): number {
  const r = v * (1 << amount);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/** DownScaleInt32ToInt16Multiplier: a Q31 multiplier m >= 0 rounded to Q15. */
function downScale16(m: number): number {
  return m >= P31 - 1 - 32768 ? 32767 : (m + 32768) >> 16;
}

/**
 * HARD_SWISH int8 (input scale sx, zero point zx; output sy, zy): TFLite Micro's HardSwishPrepare
 * (float32 scales: hires = sx / 128, multipliers hires / sy and hires / (3 / 32768), each
 * QuantizeMultiplier'd and rounded to int16) and reference_ops::HardSwish. Throws where Prepare
 * fails (output multiplier exponent > 0, i.e. sy < sx / 256).
 */
export function hardSwishTable(sx: number, zx: number, sy: number, zy: number): Int8Array {
  const hires = fround(sx / 128);
  const out = quantizeMultiplier(fround(hires / sy));
  const relu = quantizeMultiplier(fround(hires / fround(3 / 32768)));
  const outExponent = out[1] as number;
  const reluExponent = relu[1] as number;
  check(outExponent <= 0, "output scale < input scale / 256");
  const outMultiplier = downScale16(out[0] as number);
  const reluMultiplier = downScale16(relu[0] as number);
  return table((v) => {
    // on the "hires" input scale sx / 128: |v - zx| <= 255, so 128 (v - zx) fits int16
    const onHires = (v - zx) * 128;
    const preshift = srdhm16(onHires, outMultiplier);
    // reluish: onHires rescaled so that 3.0 is 32768 (saturating), then mapped from [-1, 1] to [0, 1]
    let reluish = onHires;
    if (reluExponent > 0) reluish = saturatingShiftLeft16(reluish, reluExponent - 1);
    reluish = srdhm16(reluish, reluMultiplier);
    if (reluExponent > 0) reluish = saturatingShiftLeft16(reluish, 1);
    if (reluExponent < 0) reluish = rdbpot16(reluish, -reluExponent);
    reluish = (reluish + 32768) >> 1;
    // SaturatingDoublingHighMul (no rounding: (a b) / 2^15 truncated; never both -32768 here)
    const product = wrap16(divPow15(reluish * preshift));
    return clampInt8(wrap16(rdbpot16(product, -outExponent) + zy));
  });
}

/**
 * LEAKY_RELU int8 (input sx, zx; output sy, zy; alpha): TFLite Micro's CalculateOpDataLeakyRelu
 * (multipliers float32(sx * alpha / sy) and float32(sx / sy); a negative alpha by its magnitude,
 * the product negated) and reference_ops::QuantizeLeakyRelu.
 */
export function leakyReluTable(sx: number, zx: number, sy: number, zy: number, alpha: number): Int8Array {
  const a = fround(fround(sx * alpha) / sy);
  const alphaQ = quantizeMultiplier(a < 0 ? -a : a);
  const identityQ = quantizeMultiplier(fround(sx / sy));
  return table((v) => {
    const x = v - zx;
    if (x >= 0) return clampInt8(zy + multiplyByQuantized(x, identityQ));
    const scaled = multiplyByQuantized(x, alphaQ);
    return clampInt8(zy + (a < 0 ? -scaled : scaled));
  });
}
