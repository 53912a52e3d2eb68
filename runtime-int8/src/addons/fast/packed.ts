/**
 * The optional host kernels (src/fast.ts; the bundle's add-on dist/edgeq-rt-fast.min.js), not
 * used on Espruino, which keeps its RAM. Same bytes as the core's loops.
 *
 * Windowed ops (CONV_2D, DEPTHWISE_CONV_2D): two horizontally adjacent outputs per double multiply-add.
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
import type { Eval, Geom } from "../../types.js";
import { A, F, ints, lane1, requantAll, room, rq } from "./packed-util.js";

export { mm } from "./packed-mm.js";
export { lane1, rq } from "./packed-util.js";

/** Scratch of a windowed op: the packed input (doubles) and the raw sums; false when `terms` products per output >= 1028. */
function roomFor(g: Geom, terms: number): boolean {
  const n = ((g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1) * ((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) * g.C;
  return terms < 1028 && room(n, g.N * g.OH * g.OW * g.OC, 0);
}

/** CONV_2D (windowed; 1x1 stride 1 goes through mm). */
export function conv(g: Geom): Eval | undefined {
  g = ints(g);
  if (!roomFor(g, g.KH * g.KW * g.C)) return undefined;
  const tp = taps(g, g.C);
  return () => convPacked(g, F, tp);
}

/** DEPTHWISE_CONV_2D: reads all of x (pack) before it writes y, so in-place safe as it is. */
export function dw(g: Geom): Eval | undefined {
  g = ints(g);
  if (!roomFor(g, g.KH * g.KW)) return undefined;
  const tp = taps(g, 1);
  if (g.KH === 3 && g.KW === 3 && g.OC === g.C) return () => dw3(g, F);
  return () => dwPacked(g, F, A, tp);
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
      if (ok0 && ok1) {
        // the whole interior run of the row (both columns inside) in one flat loop
        const jh = g.IW - g.sw + g.pw < Wp ? g.IW - g.sw + g.pw : Wp;
        const d = p1 - p0;
        for (let e = p0 + (jh - j) * C, q = p0; q < e; q++)
          f[o++] = (x[q] as number) + (x[q + d] as number) * 67108864 + both;
        j = jh - 1;
      } else
        for (let ch = 0; ch < C; ch++)
          f[o++] =
            (ok0 ? (x[p0 + ch] as number) + off : 0) + (ok1 ? (x[p1 + ch] as number) + off : 0) * 67108864;
    }
  }
}

/** DEPTHWISE_CONV_2D on the packed input, raw sums into acc, then one requantization pass. */
function dwPacked(g: Geom, f: Float64Array, acc: Int32Array, taps: Int32Array): void {
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
          if (M % 2 === 0) {
            // even multiplier: channels k and k + 1 read the same input channel, share its loads
            let b = 0;
            for (let t = 0; t < T; t++) {
              const v = f[pr + (taps[t] as number)] as number;
              a += v * (w[wi] as number);
              b += v * (w[wi + 1] as number);
              wi += OC;
            }
            const h = lane1(b);
            acc[a0 + k + 1] = b - h * 67108864;
            if (ox + 1 < OW) acc[a0 + OC + k + 1] = h;
          } else
            for (let t = 0; t < T; t++) {
              a += (f[pr + (taps[t] as number)] as number) * (w[wi] as number);
              wi += OC;
            }
          const hi = lane1(a);
          acc[a0 + k] = a - hi * 67108864;
          if (ox + 1 < OW) acc[a0 + OC + k] = hi;
          if (M % 2 === 0) k++;
        }
      }
    }
  }
  requantAll(g, acc, g.N * g.OH * OW, g.b);
}

/**
 * DEPTHWISE_CONV_2D 3x3, multiplier 1: channel by channel (its 9 weights and quantization in
 * registers) over the packed input, requantizing each pair of sums as it goes.
 */
function dw3(g: Geom, f: Float64Array): void {
  const C = g.C;
  const OH = g.OH;
  const OW = g.OW;
  const w = g.w;
  const y = g.y;
  const Hp = (OH - 1) * g.sh + 2 * g.dh + 1;
  const Wp = (OW - 1) * g.sw + 2 * g.dw + 1;
  const rs = Wp * C;
  const tx = g.dw * C;
  const ty = g.dh * rs;
  const sy = g.sh * rs;
  const sx = 2 * g.sw * C;
  for (let n = 0; n < g.N; n++) {
    pack(g, f, n, Hp, Wp);
    for (let k = 0; k < C; k++) {
      const w0 = w[k] as number;
      const w1 = w[k + C] as number;
      const w2 = w[k + 2 * C] as number;
      const w3 = w[k + 3 * C] as number;
      const w4 = w[k + 4 * C] as number;
      const w5 = w[k + 5 * C] as number;
      const w6 = w[k + 6 * C] as number;
      const w7 = w[k + 7 * C] as number;
      const w8 = w[k + 8 * C] as number;
      const bk = g.b[k] as number;
      const mk = g.m[k] as number;
      const lk = g.l[k] as number;
      const rk = g.r[k] as number;
      for (let oy = 0; oy < OH; oy++) {
        let p = oy * sy + k;
        let o = (n * OH + oy) * OW * C + k;
        for (let ox = 0; ox < OW; ox += 2) {
          const q = p + ty;
          const u = q + ty;
          const a =
            (f[p] as number) * w0 +
            (f[p + tx] as number) * w1 +
            (f[p + 2 * tx] as number) * w2 +
            (f[q] as number) * w3 +
            (f[q + tx] as number) * w4 +
            (f[q + 2 * tx] as number) * w5 +
            (f[u] as number) * w6 +
            (f[u + tx] as number) * w7 +
            (f[u + 2 * tx] as number) * w8;
          const h = lane1(a);
          y[o] = rq(g, a - h * 67108864 + bk, mk, lk, rk);
          if (ox + 1 < OW) y[o + C] = rq(g, h + bk, mk, lk, rk);
          p += sx;
          o += 2 * C;
        }
      }
    }
  }
}

/** Tap offsets in the packed input, in the weights' [KH, KW, C] order (C = 1 for depthwise: one channel). */
function taps(g: Geom, C: number): Int32Array {
  const rs = ((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) * g.C;
  const t = new Int32Array(g.KH * g.KW * C);
  let i = 0;
  for (let ky = 0; ky < g.KH; ky++)
    for (let kx = 0; kx < g.KW; kx++)
      for (let ch = 0; ch < C; ch++) t[i++] = ky * g.dh * rs + kx * g.dw * g.C + ch;
  return t;
}

/** CONV_2D on the packed input (w [OC, KH, KW, C]; taps(g, C)), each pair of sums requantized as it is made. */
function convPacked(g: Geom, f: Float64Array, tp: Int32Array): void {
  const y = g.y;
  const bs = g.b;
  const m = g.m;
  const l = g.l;
  const r = g.r;
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
          // unpack (lane 1 = floor(a / 2^26 + 1/2)) and requantize both outputs of both channels
          let bk = bs[k] as number;
          let mk = m[k] as number;
          let lk = l[k] as number;
          let rk = r[k] as number;
          let h = lane1(a);
          y[a0 + k] = rq(g, a - h * 67108864 + bk, mk, lk, rk);
          if (two) y[a0 + OC + k] = rq(g, h + bk, mk, lk, rk);
          bk = bs[k1] as number;
          mk = m[k1] as number;
          lk = l[k1] as number;
          rk = r[k1] as number;
          h = lane1(b);
          y[a0 + k1] = rq(g, b - h * 67108864 + bk, mk, lk, rk);
          if (two) y[a0 + OC + k1] = rq(g, h + bk, mk, lk, rk);
        }
      }
    }
  }
}
