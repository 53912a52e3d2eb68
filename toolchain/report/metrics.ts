/**
 * Layer-level drift metrics between a float reference tensor r and the dequantized int8
 * tensor q of the same op output, accumulated over many samples (streaming sums in doubles).
 *
 * With e = q - r over all n values of all samples:
 *   sqnr_db        10 log10(sum r^2 / sum e^2)    (Infinity when e is all zero; 0 signal -> -Infinity)
 *   cosine         sum(r q) / sqrt(sum r^2 * sum q^2)   (1 when both are all zero, 0 when one is)
 *   mean_error     sum e / n                      (bias: > 0 means int8 reads high)
 *   mae            sum |e| / n
 *   max_abs        max |e|
 *   rmse           sqrt(sum e^2 / n)
 *   rmse_over_scale rmse / output scale, as TFLite's QuantizationDebugger; pure rounding noise
 *                  gives 1/sqrt(12) = 0.289, larger means error beyond the last int8 step
 *   saturated      share of int8 values at -128 or 127 (sat_low, sat_high split them: with a
 *                  fused ReLU and zero point -128, -128 is a real 0 and sat_low is expected)
 * The sums run over all samples together (not a mean of per-sample ratios).
 */
import { roundAway } from "../quantize/params.js";

export interface LayerAcc {
  n: number;
  sumR2: number;
  sumQ2: number;
  sumRQ: number;
  sumE: number;
  sumAbsE: number;
  sumE2: number;
  maxAbsE: number;
  /** Count of int8 values at -128 / at 127 (only when int8 values were given). */
  satLow: number;
  satHigh: number;
  intCount: number;
}

export interface LayerMetrics {
  n: number;
  sqnr_db: number;
  cosine: number;
  mean_error: number;
  mae: number;
  max_abs: number;
  rmse: number;
  rmse_over_scale: number | null;
  saturated: number | null;
  sat_low: number | null;
  sat_high: number | null;
}

export function newAcc(): LayerAcc {
  return {
    n: 0,
    sumR2: 0,
    sumQ2: 0,
    sumRQ: 0,
    sumE: 0,
    sumAbsE: 0,
    sumE2: 0,
    maxAbsE: 0,
    satLow: 0,
    satHigh: 0,
    intCount: 0,
  };
}

/** r [n] float reference, q [n] dequantized int8, raw [n] the int8 codes (optional). */
export function accumulate(
  acc: LayerAcc,
  r: ArrayLike<number>,
  q: ArrayLike<number>,
  raw?: ArrayLike<number>,
): void {
  const n = Math.min(r.length, q.length);
  for (let i = 0; i < n; i++) {
    const a = r[i]!;
    const b = q[i]!;
    const e = b - a;
    acc.sumR2 += a * a;
    acc.sumQ2 += b * b;
    acc.sumRQ += a * b;
    acc.sumE += e;
    const ae = Math.abs(e);
    acc.sumAbsE += ae;
    acc.sumE2 += e * e;
    if (ae > acc.maxAbsE) acc.maxAbsE = ae;
  }
  acc.n += n;
  if (raw) {
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      if (v === -128) acc.satLow++;
      else if (v === 127) acc.satHigh++;
    }
    acc.intCount += raw.length;
  }
}

/** SQNR in dB from the two sums; Infinity when there is no noise. */
export function sqnrFromSums(signal2: number, noise2: number): number {
  if (noise2 === 0) return Number.POSITIVE_INFINITY;
  if (signal2 === 0) return Number.NEGATIVE_INFINITY;
  return 10 * Math.log10(signal2 / noise2);
}

export function cosineFromSums(sumRQ: number, sumR2: number, sumQ2: number): number {
  if (sumR2 === 0 && sumQ2 === 0) return 1;
  if (sumR2 === 0 || sumQ2 === 0) return 0;
  return sumRQ / Math.sqrt(sumR2 * sumQ2);
}

/** Final metrics; `scale` is the int8 output tensor's scale (per-tensor). */
export function finish(acc: LayerAcc, scale: number | undefined): LayerMetrics {
  const n = Math.max(acc.n, 1);
  const rmse = Math.sqrt(acc.sumE2 / n);
  const ic = acc.intCount;
  return {
    n: acc.n,
    sqnr_db: sqnrFromSums(acc.sumR2, acc.sumE2),
    cosine: cosineFromSums(acc.sumRQ, acc.sumR2, acc.sumQ2),
    mean_error: acc.sumE / n,
    mae: acc.sumAbsE / n,
    max_abs: acc.maxAbsE,
    rmse,
    rmse_over_scale: scale && scale > 0 ? rmse / scale : null,
    saturated: ic ? (acc.satLow + acc.satHigh) / ic : null,
    sat_low: ic ? acc.satLow / ic : null,
    sat_high: ic ? acc.satHigh / ic : null,
  };
}

/** One-shot metrics of two arrays (convenience for tests and single samples). */
export function compare(
  r: ArrayLike<number>,
  q: ArrayLike<number>,
  scale?: number,
  raw?: ArrayLike<number>,
): LayerMetrics {
  const acc = newAcc();
  accumulate(acc, r, q, raw);
  return finish(acc, scale);
}

/** real = scale * (q - zeroPoint), per-tensor. */
export function dequantize(q: ArrayLike<number>, scale: number, zeroPoint: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = scale * (q[i]! - zeroPoint);
  return out;
}

/** q = clamp(round(x / scale) + zeroPoint, -128, 127), ties away from zero. */
export function quantizeInt8(x: ArrayLike<number>, scale: number, zeroPoint: number): Int8Array {
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    out[i] = Math.max(-128, Math.min(127, roundAway(x[i]! / scale) + zeroPoint));
  }
  return out;
}
