/** Float AVERAGE_POOL_2D, MAX_POOL_2D and MEAN over NHWC Float32Arrays. */
import type { Pool2DOptions } from "../ir/types.js";
import { applyActivation, convOut } from "./util.js";

/**
 * x [n, h, w, c] -> y [n, oh, ow, c]; average counts only in-bounds cells (as TF/TFLite).
 */
export function pool2d(
  x: Float32Array,
  xs: readonly number[],
  o: Pool2DOptions,
  kind: "avg" | "max",
): { y: Float32Array; shape: number[] } {
  const [n, h, wd, ch] = xs as [number, number, number, number];
  const r = convOut(h, o.filterH, o.strideH, 1, o.padding);
  const c = convOut(wd, o.filterW, o.strideW, 1, o.padding);
  const y = new Float32Array(n * r.out * c.out * ch);
  let p = 0;
  for (let bi = 0; bi < n; bi++)
    for (let oy = 0; oy < r.out; oy++)
      for (let ox = 0; ox < c.out; ox++)
        for (let ci = 0; ci < ch; ci++) {
          let acc = kind === "max" ? Number.NEGATIVE_INFINITY : 0;
          let cnt = 0;
          for (let ky = 0; ky < o.filterH; ky++) {
            const iy = oy * o.strideH - r.padBefore + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < o.filterW; kx++) {
              const ix = ox * o.strideW - c.padBefore + kx;
              if (ix < 0 || ix >= wd) continue;
              const v = x[((bi * h + iy) * wd + ix) * ch + ci]!;
              if (kind === "max") acc = Math.max(acc, v);
              else acc += v;
              cnt++;
            }
          }
          y[p++] = kind === "max" ? acc : acc / Math.max(cnt, 1);
        }
  return { y: applyActivation(y, o.activation), shape: [n, r.out, c.out, ch] };
}

/**
 * x [d0, ..., dk] mean over `axes` -> y with those dims removed (or kept as 1 when keepDims).
 */
export function mean(
  x: Float32Array,
  xs: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): { y: Float32Array; shape: number[] } {
  const rank = xs.length;
  const ax = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const outFull = xs.map((d, i) => (ax.has(i) ? 1 : d));
  const outN = outFull.reduce((a, b) => a * b, 1);
  const y = new Float32Array(outN);
  const strides = outFull.map((_, i) => outFull.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) if (!ax.has(d)) o += idx[d]! * strides[d]!;
    y[o] = y[o]! + x[i]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      if (idx[d]! < xs[d]!) break;
      idx[d] = 0;
    }
  }
  const cnt = x.length / Math.max(outN, 1);
  for (let i = 0; i < outN; i++) y[i] = y[i]! / cnt;
  return { y, shape: keepDims ? outFull : xs.filter((_, i) => !ax.has(i)) };
}
