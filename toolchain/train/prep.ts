/**
 * Data preparation over plain typed arrays: a seeded PRNG, seeded shuffling, validation split
 * and augmentation (horizontal flip, shift with zero fill). Images are NHWC float32, already
 * normalised to pixels / 255 by the loaders (the models take that as input).
 */
import { EdgeqError } from "../errors.js";
import type { Split } from "./data.js";

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Gathers rows `idx` of a split (per = values per image). */
export function take(s: Split, idx: ArrayLike<number>, per: number): Split {
  const n = idx.length;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    x.set(s.x.subarray(k * per, (k + 1) * per), i * per);
    y[i] = s.y[k]!;
  }
  return { x, y, n };
}

/** Splits off a seeded random `fraction` of a split for validation. */
export function validationSplit(s: Split, fraction: number, seed: number): { train: Split; val: Split } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new EdgeqError("train-option", `validation fraction ${fraction} must be in (0, 1)`);
  }
  const per = s.x.length / s.n;
  const p = permutation(s.n, rng(seed ^ 0x5eed));
  const nv = Math.max(1, Math.round(s.n * fraction));
  return { val: take(s, p.subarray(0, nv), per), train: take(s, p.subarray(nv), per) };
}

export interface Augment {
  /** Mirror left-right with probability 0.5. */
  flip?: boolean;
  /** Shift by up to this many pixels in x and y (zero fill). */
  shift?: number;
}

/** Augments a batch in place. x [n, h, w, c]. */
export function augmentBatch(
  x: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  a: Augment,
  rand: () => number,
): void {
  const size = h * w * c;
  const tmp = new Float32Array(size);
  const s = a.shift ?? 0;
  for (let i = 0; i < n; i++) {
    const img = x.subarray(i * size, (i + 1) * size);
    const flip = a.flip === true && rand() < 0.5;
    const dy = s > 0 ? Math.floor(rand() * (2 * s + 1)) - s : 0;
    const dx = s > 0 ? Math.floor(rand() * (2 * s + 1)) - s : 0;
    if (!flip && dx === 0 && dy === 0) continue;
    tmp.fill(0);
    for (let yy = 0; yy < h; yy++) {
      const sy = yy - dy;
      if (sy < 0 || sy >= h) continue;
      for (let xx = 0; xx < w; xx++) {
        let sx = xx - dx;
        if (sx < 0 || sx >= w) continue;
        if (flip) sx = w - 1 - sx;
        for (let k = 0; k < c; k++) tmp[(yy * w + xx) * c + k] = img[(sy * w + sx) * c + k]!;
      }
    }
    img.set(tmp);
  }
}
