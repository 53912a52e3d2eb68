/**
 * The eval of CONV_2D and FULLY_CONNECTED on the core: one dot product per output pixel and filter
 * (context.dot: E.convolve on Espruino, else a plain loop) over the pixel's window gathered in
 * `patch` ([KH, KW, C] as the filter; a 1x1 stride-1 window is x's own pixel, no copy; taps
 * outside the image hold -off, so they add 0), and
 * sum((x + off)(w + wz)) = dot(w[k], patch) + off sum(w[k]) + wz sum(patch + off), with the rows
 * of w and their sums (+ bias) taken once at prepare.
 *
 * Accumulators: a conv sums KH*KW*C terms of |(x + off) * w| <= 255 * 128 = 32640, below
 * 2^31 - |bias| for up to 32768 terms with |bias| < 2^30, which holds for every model this runtime
 * targets; past that, `acc | 0` in requantize reproduces the C kernel's two's-complement wrap (the
 * JS sum itself is exact below 2^53).
 */
import type { Context, Eval, Geom } from "../types.js";
import { I8, requantize } from "./requantize.js";

/** matmul: a 1x1 stride-1 window (FULLY_CONNECTED, or such a CONV_2D): each pixel's patch is x's own C values. */
export function dotProductEval(context: Context, g: Geom, matmul: boolean): Eval {
  const dot = context.dot;
  const sum = context.sum;
  const C = g.C;
  const OC = g.OC;
  const n = g.KH * g.KW * C;
  const x = g.x;
  const off = g.off;
  const patch = new I8(n);
  const rows: Int8Array[] = [];
  const rowTerms: number[] = [];
  for (let k = OC; k--; ) {
    rows[k] = g.w.subarray(k * n, k * n + n);
    rowTerms[k] = (g.b[k] as number) + off * sum(rows[k] as Int8Array);
  }
  return () => {
    let p = 0;
    for (let b = 0; b < g.N; b++)
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < g.OW; ox++, p++) {
          let window: Int8Array = patch;
          if (matmul) window = x.subarray(p * C, p * C + C);
          else
            for (let ky = 0, j = 0; ky < g.KH; ky++)
              for (let kx = 0; kx < g.KW; kx++) {
                const iy = oy * g.sh - g.ph + ky * g.dh;
                const ix = ox * g.sw - g.pw + kx * g.dw;
                const i = ((b * g.H + iy) * g.IW + ix) * C;
                // (a negative index is 2^32 - |i| unsigned: one compare per bound)
                const inside = iy >>> 0 < g.H && ix >>> 0 < g.IW;
                for (let q = 0; q < C; q++) patch[j++] = inside ? (x[i + q] as number) : -off;
              }
          const s = g.wz * (sum(window) + n * off);
          for (let k = OC; k--; )
            g.y[p * OC + k] = requantize(
              g,
              k,
              dot(rows[k] as Int8Array, window) + (rowTerms[k] as number) + s,
            );
        }
  };
}
