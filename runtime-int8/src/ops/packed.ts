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
import { srdhm } from "../fixed.js";
import type { Eval } from "../types.js";
import type { Geom } from "./window.js";

declare const E: unknown;

// scratch shared by every model loaded with these kernels (host RAM, outside the arena): grown at
// load, read at invoke (JS runs one invoke at a time)
let F = new Float64Array(0);
let A = new Int32Array(0);
let PR = new Float64Array(0);

/** Hosts only (no Espruino `E`, which keeps its RAM): grows the scratch to the sizes given. */
function room(nf: number, na: number, np: number): boolean {
  if (typeof E !== "undefined") return false;
  if (nf > F.length) F = new Float64Array(nf);
  if (na > A.length) A = new Int32Array(na);
  if (np > PR.length) PR = new Float64Array(np);
  return true;
}

/** Scratch of a windowed op: the packed input (doubles) and the raw sums; false when `terms` products per output >= 1028. */
function roomFor(g: Geom, terms: number): boolean {
  const n = ((g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1) * ((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) * g.C;
  return terms < 1028 && room(n, g.N * g.OH * g.OW * g.OC, 0);
}

/**
 * g with every number an int32, in a fresh object: the core's numbers may be heap doubles (a
 * flatbuffer field read, -0), which makes V8 store those fields as doubles for every object of
 * Geom's shape; kernels reading them would run their loops and indices on float64 (MobileNet ~1.5x slower).
 */
function ints(g: Geom): Geom {
  // (arrays first: a key order of its own, so not Geom's shape)
  return {
    x: g.x,
    w: g.w,
    y: g.y,
    b: g.b,
    m: g.m,
    l: g.l,
    r: g.r,
    N: g.N | 0,
    H: g.H | 0,
    IW: g.IW | 0,
    C: g.C | 0,
    KH: g.KH | 0,
    KW: g.KW | 0,
    OC: g.OC | 0,
    OH: g.OH | 0,
    OW: g.OW | 0,
    sh: g.sh | 0,
    sw: g.sw | 0,
    dh: g.dh | 0,
    dw: g.dw | 0,
    ph: g.ph | 0,
    pw: g.pw | 0,
    lo: g.lo | 0,
    hi: g.hi | 0,
    yz: g.yz | 0,
    off: g.off | 0,
    wz: g.wz | 0,
  };
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

/**
 * FULLY_CONNECTED / 1x1 CONV_2D: y[P,OC] = requant(x[P,K] . (w + wz)[OC,K]^T + bias) with the input
 * offset folded once: sum((x + off)(w + wz)) = sum(x (w + wz)) + off sum(w + wz). The weights
 * (plus a FULLY_CONNECTED weights offset) are packed at load, channels 2j and 2j + 1 two to a
 * double: W[j, i] = (w + wz)[2j, i] + (w + wz)[2j + 1, i] * 2^26 (host RAM, 4 bytes a weight), so
 * x needs no packing and one multiply-add by an int8 x serves two channels. Each lane sum has
 * |sum| <= K * 128 * 128 < 2^25 for K < 2048 (K * 128 * 255 < 2^25 for K < 1028 with a weights
 * offset), so both lanes stay exact.
 */
export function mm(g: Geom): Eval | undefined {
  g = ints(g);
  const OC = g.OC;
  const P = g.N * g.H * g.IW;
  const K = g.C;
  const J = (OC + 1) >> 1;
  const x = g.x;
  const w = g.w;
  const wz = g.wz;
  if (K >= (wz ? 1028 : 2048) || !room(0, 0, P * J)) return undefined;
  const W = new Float64Array(J * K);
  const b = new Int32Array(OC);
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) {
      const v = (w[k * K + i] as number) + wz;
      s += v;
      const j = (k >> 1) * K + i;
      W[j] = (W[j] as number) + (k & 1 ? v * 67108864 : v);
    }
    b[k] = (g.b[k] as number) + g.off * s;
  }
  return () => {
    mm2(PR, x, W, P, K, J);
    unpackQ(g, PR, P, b);
  };
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

/**
 * The host kernel: pr[P, J] = x[P, K] . W[J, K]^T, W holding channel pairs two to a double (see
 * mm). Sums of products of integers below 2^51 are exact in doubles; lane 1 = floor(a / 2^26 + 1/2)
 * and lane 0 = a - lane1 * 2^26 recover both int32 sums exactly. Top-level (monomorphic, no closure context).
 */
function mm2(pr: Float64Array, f: Int8Array, w: Float64Array, Q: number, K: number, OC: number): void {
  // four rows at a time, then the rest one by one (no work on padding rows)
  const Q4 = Q - (Q % 4);
  for (let q = 0; q < Q; q += q < Q4 ? 4 : 1) {
    const x0 = q * K;
    const x1 = x0 + K;
    const x2 = x1 + K;
    const x3 = x2 + K;
    for (let k = 0; k < OC; k += 4) {
      const w0 = k * K;
      const w1 = k + 1 < OC ? w0 + 1 * K : w0;
      const w2 = k + 2 < OC ? w0 + 2 * K : w0;
      const w3 = k + 3 < OC ? w0 + 3 * K : w0;
      const o = q * OC + k;
      if (q >= Q4) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let i = 0; i < K; i++) {
          const u = f[x0 + i] as number;
          a0 += u * (w[w0 + i] as number);
          a1 += u * (w[w1 + i] as number);
          a2 += u * (w[w2 + i] as number);
          a3 += u * (w[w3 + i] as number);
        }
        pr[o] = a0;
        if (w1 !== w0) pr[o + 1] = a1;
        if (w2 !== w0) pr[o + 2] = a2;
        if (w3 !== w0) pr[o + 3] = a3;
        continue;
      }
      let a00 = 0;
      let a01 = 0;
      let a02 = 0;
      let a03 = 0;
      let a10 = 0;
      let a11 = 0;
      let a12 = 0;
      let a13 = 0;
      let a20 = 0;
      let a21 = 0;
      let a22 = 0;
      let a23 = 0;
      let a30 = 0;
      let a31 = 0;
      let a32 = 0;
      let a33 = 0;
      for (let i = 0; i < K; i++) {
        const e0 = w[w0 + i] as number;
        const e1 = w[w1 + i] as number;
        const e2 = w[w2 + i] as number;
        const e3 = w[w3 + i] as number;
        let u = 0;
        u = f[x0 + i] as number;
        a00 += u * e0;
        a01 += u * e1;
        a02 += u * e2;
        a03 += u * e3;
        u = f[x1 + i] as number;
        a10 += u * e0;
        a11 += u * e1;
        a12 += u * e2;
        a13 += u * e3;
        u = f[x2 + i] as number;
        a20 += u * e0;
        a21 += u * e1;
        a22 += u * e2;
        a23 += u * e3;
        u = f[x3 + i] as number;
        a30 += u * e0;
        a31 += u * e1;
        a32 += u * e2;
        a33 += u * e3;
      }
      pr[o] = a00;
      pr[o + OC] = a10;
      pr[o + 2 * OC] = a20;
      pr[o + 3 * OC] = a30;
      if (w1 !== w0) {
        pr[o + 1] = a01;
        pr[o + OC + 1] = a11;
        pr[o + 2 * OC + 1] = a21;
        pr[o + 3 * OC + 1] = a31;
      }
      if (w2 !== w0) {
        pr[o + 2] = a02;
        pr[o + OC + 2] = a12;
        pr[o + 2 * OC + 2] = a22;
        pr[o + 3 * OC + 2] = a32;
      }
      if (w3 !== w0) {
        pr[o + 3] = a03;
        pr[o + OC + 3] = a13;
        pr[o + 2 * OC + 3] = a23;
        pr[o + 3 * OC + 3] = a33;
      }
    }
  }
}

/**
 * Unpacks the pair sums pr[P, J] (channel 2j in lane 0 = a - lane 1 * 2^26, channel 2j + 1 in
 * lane 1 = floor(a / 2^26 + 1/2)) and requantizes both with the bias b, in one pass.
 */
function unpackQ(g: Geom, pr: Float64Array, P: number, b: Int32Array): void {
  const OC = g.OC;
  const y = g.y;
  const m = g.m;
  const l = g.l;
  const r = g.r;
  for (let p = 0, i = 0, o = 0; p < P; p++, o += OC)
    for (let k = 0; k < OC; k += 2) {
      const a = pr[i++] as number;
      const h = lane1(a);
      y[o + k] = rq(g, a - h * 67108864 + (b[k] as number), m[k] as number, l[k] as number, r[k] as number);
      if (k + 1 < OC)
        y[o + k + 1] = rq(
          g,
          h + (b[k + 1] as number),
          m[k + 1] as number,
          l[k + 1] as number,
          r[k + 1] as number,
        );
    }
}

/**
 * Lane 1 of a pair sum a = lane0 + lane1 * 2^26 (|lane0|, |lane1| < 2^25): floor(a / 2^26 + 1/2),
 * taken as a truncation (`| 0`, cheaper than Math.floor) of a / 2^26 + 1/2 + 2^25, which is
 * positive and below 2^26 + 1, and exact (a / 2^26 has 26 fraction bits over at most 26 integer bits).
 */
export function lane1(a: number): number {
  return ((a * 1.4901161193847656e-8 + 33554432.5) | 0) - 33554432;
}

/**
 * clamp(MultiplyByQuantizedMultiplier(acc, mk, lk, rk) + zp), bit for bit as the reference. Fast
 * path (|a| < 2^21, no left shift, rk > 0): SaturatingRoundingDoublingHighMul truncates
 * (a m + nudge) / 2^31, nudge 2^30 or 1 - 2^30 by the sign of a m; for a m < 0 that is
 * ceil((a m + 1 - 2^30) / 2^31) = floor((a m + 2^30) / 2^31), the same formula as a m >= 0.
 * |a m| <= (2^21 - 1)(2^31 - 1) < 2^52 - 2^30, so a m + 2^30 + 2^52 lies in (0, 2^53): exact, and
 * its quotient by 2^31 (exact) truncated by `| 0` is the floor, 2^21 too high; |v| < 2^21.
 * RoundingDivideByPOT (ties away from zero) is then floor((v + 2^(rk-1) - [v < 0]) / 2^rk).
 */
export function rq(g: Geom, acc: number, mk: number, lk: number, rk: number): number {
  // acc is an integer; inside +-2^21 it is its own int32 (no `| 0`, a costly truncation of a double)
  if (acc < 2097152 && acc > -2097152 && lk === 0 && rk > 0) {
    const v = (((acc * mk + 4503600701112320) * 4.656612873077393e-10) | 0) - 2097152;
    // branch-free (the signs are data: branches on them mispredict): v >> 31 = -[v < 0]; then
    // max(u, lo) and min(u, hi) by masks, exact as every value here is far inside int32
    let u = ((v + (1 << (rk - 1)) + (v >> 31)) >> rk) + g.yz - g.lo;
    u = (u & ~(u >> 31)) + g.lo - g.hi;
    return (u & (u >> 31)) + g.hi;
  }
  return rqSlow(g, acc | 0, mk, lk, rk);
}

/** rq's general case: SaturatingRoundingDoublingHighMul by limbs, RoundingDivideByPOT, clamp. */
function rqSlow(g: Geom, a: number, mk: number, lk: number, rk: number): number {
  let v = srdhm(a << lk, mk);
  const mask = (1 << rk) - 1;
  v = (v >> rk) + ((v & mask) > (mask >> 1) + (v < 0 ? 1 : 0) ? 1 : 0) + g.yz;
  return v < g.lo ? g.lo : v > g.hi ? g.hi : v;
}

/** y[p, k] = rq(acc[p, k] + b[k]) over P rows, channel by channel (its quantization in registers). */
function requantAll(g: Geom, acc: Int32Array, P: number, b: Int32Array): void {
  const OC = g.OC;
  const n = P * OC;
  const y = g.y;
  for (let k = 0; k < OC; k++) {
    const mk = g.m[k] as number;
    const lk = g.l[k] as number;
    const rk = g.r[k] as number;
    const bk = b[k] as number;
    for (let i = k; i < n; i += OC) y[i] = rq(g, (acc[i] as number) + bk, mk, lk, rk);
  }
}
