/**
 * Range choice from an activation histogram: minmax, percentile and mse (the clipping range
 * that minimises the expected int8 quantization error: clipping error outside, scale^2/12
 * rounding error inside).
 */

export interface Range {
  min: number;
  max: number;
}

/** A fixed-range histogram of one tensor's values. */
export interface Histogram {
  lo: number;
  hi: number;
  counts: Float64Array;
}

export function newHistogram(lo: number, hi: number, bins: number): Histogram {
  return { lo, hi: hi > lo ? hi : lo + 1e-12, counts: new Float64Array(bins) };
}

export function addToHistogram(h: Histogram, x: Float32Array): void {
  const n = h.counts.length;
  const k = n / (h.hi - h.lo);
  for (let i = 0; i < x.length; i++) {
    let b = Math.floor((x[i]! - h.lo) * k);
    if (b < 0) b = 0;
    else if (b >= n) b = n - 1;
    h.counts[b] = h.counts[b]! + 1;
  }
}

const center = (h: Histogram, b: number): number => h.lo + ((b + 0.5) * (h.hi - h.lo)) / h.counts.length;

/** The [p-th lower, p-th upper] percentile range, widened to include 0. */
export function percentileRange(h: Histogram, p: number): Range {
  let total = 0;
  for (const c of h.counts) total += c;
  const tail = (total * (100 - p)) / 100;
  const width = (h.hi - h.lo) / h.counts.length;
  let acc = 0;
  let lo = h.lo;
  for (let b = 0; b < h.counts.length; b++) {
    acc += h.counts[b]!;
    if (acc > tail) {
      lo = h.lo + b * width;
      break;
    }
  }
  acc = 0;
  let hi = h.hi;
  for (let b = h.counts.length - 1; b >= 0; b--) {
    acc += h.counts[b]!;
    if (acc > tail) {
      hi = h.lo + (b + 1) * width;
      break;
    }
  }
  return { min: Math.min(0, Math.max(lo, h.lo)), max: Math.max(0, Math.min(hi, h.hi)) };
}

/** Expected squared error of quantizing the histogram to 256 levels over [lo, hi]. */
export function quantMse(h: Histogram, lo: number, hi: number, levels = 256): number {
  const step = (hi - lo) / (levels - 1);
  const inside = (step * step) / 12;
  let e = 0;
  let total = 0;
  for (let b = 0; b < h.counts.length; b++) {
    const c = h.counts[b]!;
    if (c === 0) continue;
    const v = center(h, b);
    total += c;
    if (v < lo) e += c * (v - lo) * (v - lo);
    else if (v > hi) e += c * (v - hi) * (v - hi);
    else e += c * inside;
  }
  return total > 0 ? e / total : 0;
}

/** Searches fractions of the observed [min, max] (with 0 kept inside) for the least MSE. */
export function mseRange(h: Histogram, steps = 64): Range {
  const mn = Math.min(0, h.lo);
  const mx = Math.max(0, h.hi);
  const fr = (i: number): number => 0.15 + (0.85 * i) / steps;
  let best: Range = { min: mn, max: mx };
  let bestE = quantMse(h, mn, mx);
  const loSteps = mn < 0 ? steps : 0;
  const hiSteps = mx > 0 ? steps : 0;
  for (let i = 0; i <= loSteps; i++)
    for (let j = 0; j <= hiSteps; j++) {
      const lo = mn < 0 ? mn * fr(i) : 0;
      const hi = mx > 0 ? mx * fr(j) : 0;
      if (hi - lo <= 0) continue;
      const e = quantMse(h, lo, hi);
      if (e < bestE) {
        bestE = e;
        best = { min: lo, max: hi };
      }
    }
  return best;
}
