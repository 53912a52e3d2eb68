/** Model-level comparison: top-1, agreement, per-class accuracy, confusion, difference histogram. */

/** Index of the largest value (first one on ties); -1 for an empty array. */
export function argmax(v: ArrayLike<number>): number {
  let best = -1;
  let bv = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x > bv || best < 0) {
      best = i;
      bv = x;
    }
  }
  return best;
}

/** Square confusion matrix, rows = true class, columns = predicted class. */
export function confusion(y: ArrayLike<number>, pred: ArrayLike<number>, classes: number): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < classes; i++) m.push(new Array<number>(classes).fill(0));
  for (let i = 0; i < y.length; i++) {
    const row = m[y[i]!];
    const c = pred[i]!;
    if (row && c >= 0 && c < classes) row[c] = row[c]! + 1;
  }
  return m;
}

/** Share of predictions equal to the label; null when there are no samples. */
export function accuracy(y: ArrayLike<number>, pred: ArrayLike<number>): number | null {
  if (y.length === 0) return null;
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === pred[i]) ok++;
  return ok / y.length;
}

/** Per-class accuracy (recall) from a confusion matrix; null for classes with no samples. */
export function perClassAccuracy(m: number[][]): (number | null)[] {
  return m.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[i]! / total : null;
  });
}

/** Share of samples where both models predict the same class. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length === 0) return null;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export interface Histogram {
  /** Bin edges, length bins + 1. */
  edges: number[];
  counts: number[];
}

/**
 * Equal-width histogram of values over [lo, hi] (defaults: symmetric around 0 at the largest
 * |value|); the last bin is closed on the right. Values outside the range are clamped into the
 * end bins.
 */
export function histogram(values: ArrayLike<number>, bins: number, lo?: number, hi?: number): Histogram {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  if (m === 0) m = 1;
  const a = lo ?? -m;
  const b = hi ?? m;
  const w = (b - a) / bins;
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(a + i * w);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    let k = Math.floor((values[i]! - a) / w);
    if (k < 0) k = 0;
    if (k >= bins) k = bins - 1;
    counts[k] = counts[k]! + 1;
  }
  return { edges, counts };
}

/** Numerically stable softmax (for reporting logits as probabilities). */
export function softmax(v: ArrayLike<number>): Float32Array {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]!);
  const out = new Float32Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = Math.exp(v[i]! - m);
    s += out[i]!;
  }
  for (let i = 0; i < v.length; i++) out[i] = out[i]! / s;
  return out;
}
