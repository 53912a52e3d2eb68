/**
 * Host kernels for windowed ops (CONV_2D, DEPTHWISE_CONV_2D; not used on Espruino, which keeps its RAM):
 * two horizontally adjacent outputs per double multiply-add.
 *
 * The input, offset-corrected and zero-padded, is packed once per op: pk[r, j, c] =
 * (x[r - ph, j - pw, c] + off) + (x[r - ph, j - pw + sw, c] + off) * 2^26, with x + off taken
 * as 0 outside the image (exactly what the reference's skipped taps contribute). Output columns
 * ox and ox + 1 read their tap (ky, kx) at the same packed position, so one multiply-add serves
 * both. Lane sums: KH*KW (depthwise) or KH*KW*C (conv) terms of |(x + off) * w| <= 32640, below
 * 2^25 for fewer than 1028 terms, so both
 * lanes stay exact in a double (|value| < 2^51); lane 1 = floor(a / 2^26 + 1/2), lane 0 = the rest.
 * Shapes: pk [Hp, Wp, C] float64, Hp = (OH - 1) sh + (KH - 1) dh + 1, Wp = (OW - 1) sw + (KW - 1) dw + 1.
 */
import type { Ctx } from "../util.js";
import { type Geom, requantAll } from "./window.js";

/** Scratch doubles the packed input of g needs (0 when the op cannot use it: `terms` products per output >= 1028). */
export function packedSize(c: Ctx, g: Geom, terms: number): number {
  if (!c.swar || terms >= 1028) return 0;
  const n = ((g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1) * ((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) * g.C;
  if (n > c.fn) c.fn = n;
  if (g.N * g.OH * g.OW * g.OC > c.an) c.an = g.N * g.OH * g.OW * g.OC;
  return n;
}

/** Packs batch n of g.x into f (see above). */
function pack(g: Geom, f: Float64Array, n: number, Hp: number, Wp: number): void {
  const C = g.C;
  const x = g.x;
  const off = g.off;
  const both = off + off * 67108864;
  let o = 0;
  for (let r = 0; r < Hp; r++) {
    const iy = r - g.ph;
    if (iy < 0 || iy >= g.H) {
      for (let e = o + Wp * C; o < e; o++) f[o] = 0;
      continue;
    }
    const base = (n * g.H + iy) * g.IW;
    for (let j = 0; j < Wp; j++) {
      const i0 = j - g.pw;
      const i1 = i0 + g.sw;
      const p0 = (base + i0) * C;
      const p1 = (base + i1) * C;
      const ok0 = i0 >= 0 && i0 < g.IW;
      const ok1 = i1 >= 0 && i1 < g.IW;
      if (ok0 && ok1)
        for (let ch = 0; ch < C; ch++)
          f[o++] = (x[p0 + ch] as number) + (x[p1 + ch] as number) * 67108864 + both;
      else
        for (let ch = 0; ch < C; ch++)
          f[o++] =
            (ok0 ? (x[p0 + ch] as number) + off : 0) + (ok1 ? (x[p1 + ch] as number) + off : 0) * 67108864;
    }
  }
}

/** DEPTHWISE_CONV_2D on the packed input, raw sums into acc, then one requantization pass. */
export function dwPacked(g: Geom, f: Float64Array, acc: Int32Array, taps: Int32Array): void {
  const T = taps.length;
  const C = g.C;
  const OC = g.OC;
  const M = (OC / C) >> 0;
  const KH = g.KH;
  const KW = g.KW;
  const OW = g.OW;
  const w = g.w;
  const Hp = (g.OH - 1) * g.sh + (KH - 1) * g.dh + 1;
  const Wp = (OW - 1) * g.sw + (KW - 1) * g.dw + 1;
  const rs = Wp * C;
  const tx = g.dw * C;
  for (let n = 0; n < g.N; n++) {
    pack(g, f, n, Hp, Wp);
    for (let oy = 0; oy < g.OH; oy++) {
      const o0 = (n * g.OH + oy) * OW;
      for (let ox = 0; ox < OW; ox += 2) {
        const p0 = oy * g.sh * rs + ox * g.sw * C;
        const a0 = (o0 + ox) * OC;
        for (let k = 0; k < OC; k++) {
          let a = 0;
          const pr = p0 + (M === 1 ? k : (k / M) >> 0);
          let wi = k;
          if (KH === 3 && KW === 3) {
            // the common 3x3 kernel, unrolled
            const r1 = pr + g.dh * rs;
            const r2 = r1 + g.dh * rs;
            a =
              (f[pr] as number) * (w[wi] as number) +
              (f[pr + tx] as number) * (w[wi + OC] as number) +
              (f[pr + 2 * tx] as number) * (w[wi + 2 * OC] as number) +
              (f[r1] as number) * (w[wi + 3 * OC] as number) +
              (f[r1 + tx] as number) * (w[wi + 4 * OC] as number) +
              (f[r1 + 2 * tx] as number) * (w[wi + 5 * OC] as number) +
              (f[r2] as number) * (w[wi + 6 * OC] as number) +
              (f[r2 + tx] as number) * (w[wi + 7 * OC] as number) +
              (f[r2 + 2 * tx] as number) * (w[wi + 8 * OC] as number);
          } else if (M % 2 === 0) {
            // even multiplier: channels k and k + 1 read the same input channel, share its loads
            let b = 0;
            for (let t = 0; t < T; t++) {
              const v = f[pr + (taps[t] as number)] as number;
              a += v * (w[wi] as number);
              b += v * (w[wi + 1] as number);
              wi += OC;
            }
            const h = Math.floor(b / 67108864 + 0.5);
            acc[a0 + k + 1] = b - h * 67108864;
            if (ox + 1 < OW) acc[a0 + OC + k + 1] = h;
          } else
            for (let t = 0; t < T; t++) {
              a += (f[pr + (taps[t] as number)] as number) * (w[wi] as number);
              wi += OC;
            }
          const hi = Math.floor(a / 67108864 + 0.5);
          acc[a0 + k] = a - hi * 67108864;
          if (ox + 1 < OW) acc[a0 + OC + k] = hi;
          if (M % 2 === 0 && !(KH === 3 && KW === 3)) k++;
        }
      }
    }
  }
  requantAll(g, acc, g.N * g.OH * OW, g.b);
}

/** Tap offsets in the packed input, in the weights' [KH, KW, C] order (C = 1 for depthwise: one channel). */
export function taps(g: Geom, C: number): Int32Array {
  const rs = ((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) * g.C;
  const t = new Int32Array(g.KH * g.KW * C);
  let i = 0;
  for (let ky = 0; ky < g.KH; ky++)
    for (let kx = 0; kx < g.KW; kx++)
      for (let ch = 0; ch < C; ch++) t[i++] = ky * g.dh * rs + kx * g.dw * g.C + ch;
  return t;
}

/** CONV_2D on the packed input (w [OC, KH, KW, C]; taps(g, C)), raw sums into acc, then one requantization pass. */
export function convPacked(g: Geom, f: Float64Array, acc: Int32Array, tp: Int32Array): void {
  const C = g.C;
  const OC = g.OC;
  const OW = g.OW;
  const w = g.w;
  const T = tp.length;
  const Hp = (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  const Wp = (OW - 1) * g.sw + (g.KW - 1) * g.dw + 1;
  const rs = Wp * C;
  for (let n = 0; n < g.N; n++) {
    pack(g, f, n, Hp, Wp);
    for (let oy = 0; oy < g.OH; oy++) {
      const o0 = (n * g.OH + oy) * OW;
      for (let ox = 0; ox < OW; ox += 2) {
        const p0 = oy * g.sh * rs + ox * g.sw * C;
        const a0 = (o0 + ox) * OC;
        const two = ox + 1 < OW;
        // two output channels per pass: each packed value feeds two multiply-adds (four outputs)
        for (let k = 0; k < OC; k += 2) {
          const k1 = k + 1 < OC ? k + 1 : k;
          const w0 = k * T;
          const w1 = k1 * T;
          let a = 0;
          let b = 0;
          for (let t = 0; t < T; t++) {
            const v = f[p0 + (tp[t] as number)] as number;
            a += v * (w[w0 + t] as number);
            b += v * (w[w1 + t] as number);
          }
          let h = Math.floor(a / 67108864 + 0.5);
          acc[a0 + k] = a - h * 67108864;
          if (two) acc[a0 + OC + k] = h;
          h = Math.floor(b / 67108864 + 0.5);
          acc[a0 + k1] = b - h * 67108864;
          if (two) acc[a0 + OC + k1] = h;
        }
      }
    }
  }
  requantAll(g, acc, g.N * g.OH * OW, g.b);
}
