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
import type { Context, EspruinoNatives, Eval, Geom } from "../types.js";
import { rowsOf } from "./region.js";
import {
  absSum,
  clampedView,
  clampTable,
  floorRequantization,
  I8,
  requantize,
  subarrays,
} from "./requantize.js";

/** matmul: a 1x1 stride-1 window (FULLY_CONNECTED, or such a CONV_2D): each pixel's patch is x's own C values. */
export function dotProductEval(context: Context, g: Geom, matmul: boolean): Eval {
  const e = context.espruino && espruinoDotProducts(context.espruino, context.sum, g, matmul);
  if (e) return e;
  const dot = context.dot;
  const sum = context.sum;
  const C = g.C;
  const OC = g.OC;
  const n = g.KH * g.KW * C;
  const x = g.x;
  const off = g.off;
  const patch = new I8(n);
  const rows = rowsOf(g.w, n, OC);
  const rowTerms: number[] = [];
  for (let k = OC; k--; ) {
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

/**
 * The Espruino path (E.convolve and E.mapInPlace; same bytes): the windows as above, each window
 * row set in one typed-array copy (the part outside the image from a row of -off; dilation 1),
 * then per filter one E.convolve and one multiply-add stored clamped (floorRequantization), and
 * one E.mapInPlace over the whole output at the end. Undefined (the portable loop runs) where
 * floorRequantization is not exact.
 * Cost per output (Espruino 2v29, x86-64): one native call (~1.3 us + 23 ns per multiply) and
 * ~1-2 us of interpreted code, against ~30 us for the portable loop's requantize call alone.
 */
export function espruinoDotProducts(
  e: EspruinoNatives,
  sum: (a: Int8Array) => number,
  g: Geom,
  matmul: boolean,
): Eval | undefined {
  // (a dilated filter's rows are not runs of x; x past Espruino's 64 KB view offsets: the portable loop)
  if ((g.dw > 1 && !matmul) || !subarrays(g.x)) return undefined;
  const convolve = e.convolve;
  const C = g.C;
  const OC = g.OC;
  const KW = g.KW;
  const rowLength = KW * C;
  const n = g.KH * rowLength;
  const x = g.x;
  const y = g.y;
  const off = g.off;
  const wz = g.wz;
  const patch = new I8(n);
  const padRow = new I8(rowLength).fill(-off);
  const rows = rowsOf(g.w, n, OC);
  const rowTerms: number[] = [];
  const bound: number[] = [];
  for (let k = OC; k--; ) {
    const row = rows[k] as Int8Array;
    const b = g.b[k] as number;
    rowTerms[k] = b + off * sum(row);
    // |acc| <= sum |w + wz| * max |x + off| + |bias|
    bound[k] = 255 * absSum(row, wz) + (b < 0 ? -b : b);
  }
  const q = floorRequantization(g, rowTerms, bound);
  if (!q) return undefined;
  const A = q[0] as Float64Array;
  const Bp = q[1] as Float64Array;
  const Bn = q[2] as Float64Array;
  const W = q[3] as Float64Array;
  const yc = clampedView(y);
  const table = clampTable(g);
  // (lo >= zero point: a negative acc then gives lo with either constant, so Bp serves both signs)
  const signed = g.lo < g.yz;
  return () => {
    let p = 0;
    for (let b = 0; b < g.N; b++)
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < g.OW; ox++, p++) {
          let window: Int8Array = patch;
          if (matmul) window = x.subarray(p * C, p * C + C);
          else {
            const ix0 = ox * g.sw - g.pw;
            // the filter columns inside the image, [first, end) (dilation 1)
            const first = ix0 < 0 ? -ix0 : 0;
            const end = ix0 + KW > g.IW ? g.IW - ix0 : KW;
            for (let ky = 0, j = 0; ky < g.KH; ky++, j += rowLength) {
              const iy = oy * g.sh - g.ph + ky * g.dh;
              const i = ((b * g.H + iy) * g.IW + ix0) * C;
              // (a negative index is 2^32 - |i| unsigned: one compare per bound)
              if (iy >>> 0 >= g.H || end <= first) patch.set(padRow, j);
              else {
                if (first || end < KW) patch.set(padRow, j);
                patch.set(x.subarray(i + first * C, i + end * C), j + first * C);
              }
            }
          }
          const s = wz && wz * (sum(window) + n * off);
          const yi = p * OC;
          // (each loop its own counter: Espruino does not hoist `var`, and the minifier would
          // reuse one declared in a branch not taken)
          if (signed)
            for (let k = OC; k--; ) {
              const a = convolve(rows[k] as Int8Array, window, 0) + s;
              yc[yi + k] =
                (a * (A[k] as number) + (a < (W[k] as number) ? (Bn[k] as number) : (Bp[k] as number))) | 0;
            }
          else
            for (let k1 = OC; k1--; )
              yc[yi + k1] =
                ((convolve(rows[k1] as Int8Array, window, 0) + s) * (A[k1] as number) + (Bp[k1] as number)) |
                0;
        }
    e.mapInPlace(yc, y, table);
  };
}
