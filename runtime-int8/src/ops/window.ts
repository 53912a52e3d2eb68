/**
 * Shared load-time setup of the windowed conv ops (CONV_2D, DEPTHWISE_CONV_2D): options,
 * shapes (checked against TFLite's output size rule), SAME padding, per-channel requantization
 * and the int32 bias. And the shared matrix multiply of FULLY_CONNECTED and 1x1 CONV_2D.
 */
import { num } from "../fb.js";
import { mbqm, srdhm } from "../fixed.js";
import type { Eval, RtOp, RtTensor } from "../types.js";
import { bias, type Ctx, check, convQuant, dim, i8, padAxis, tin, tout, zp } from "../util.js";

/** Geometry and quantization of a conv-like op (field names kept short: they ship in the bundle). */
export interface Geom {
  N: number;
  H: number;
  IW: number;
  C: number;
  KH: number;
  KW: number;
  OC: number;
  OH: number;
  OW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  ph: number;
  pw: number;
  m: Int32Array;
  l: Int32Array;
  r: Int32Array;
  lo: number;
  hi: number;
  b: Int32Array;
  off: number;
  yz: number;
  x: Int8Array;
  w: Int8Array;
  y: Int8Array;
}

/** A Geom with every field in one order (one hidden class for all conv-like ops: monomorphic loops). */
function mk(c: Ctx, op: RtOp, OC: number): Geom {
  const X = tin(c, op, 0);
  const Y = tout(c, op, 0);
  const z = new Int32Array(0);
  return {
    N: 1,
    H: 1,
    IW: 1,
    C: 1,
    KH: 1,
    KW: 1,
    OC: OC,
    OH: 1,
    OW: 1,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    ph: 0,
    pw: 0,
    m: z,
    l: z,
    r: z,
    lo: 0,
    hi: 0,
    b: bias(c, op, 2, OC),
    off: -zp(X),
    yz: zp(Y),
    x: i8(X),
    w: i8(tin(c, op, 1)),
    y: i8(Y),
  };
}

/** dwOpts: DepthwiseConv2DOptions carries depth_multiplier at field 3, shifting the rest by one. */
export function geom(c: Ctx, op: RtOp, dwOpts: boolean): Geom {
  const fb = c.fb;
  const o = op.opt;
  const k = dwOpts ? 1 : 0;
  const same = num(fb, o, 0, 0, 1) === 0;
  const X = tin(c, op, 0);
  const W = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const OC = dwOpts ? dim(W, 3) : dim(W, 0);
  const g = mk(c, op, OC);
  g.N = dim(X, 0);
  g.H = dim(X, 1);
  g.IW = dim(X, 2);
  g.C = dim(X, 3);
  g.KH = dim(W, 1);
  g.KW = dim(W, 2);
  g.OH = dim(Y, 1);
  g.OW = dim(Y, 2);
  g.sw = num(fb, o, 1, 1, 4);
  g.sh = num(fb, o, 2, 1, 4);
  g.dw = num(fb, o, 4 + k, 1, 4);
  g.dh = num(fb, o, 5 + k, 1, 4);
  check(dim(Y, 3) === OC && (dwOpts ? OC % g.C === 0 : dim(W, 3) === g.C), "bad shapes");
  g.ph = padAxis(same, g.sh, g.dh, g.H, g.KH, g.OH);
  g.pw = padAxis(same, g.sw, g.dw, g.IW, g.KW, g.OW);
  quant(g, X, W, Y, num(fb, o, 3 + k, 0, 1));
  return g;
}

function quant(g: Geom, X: RtTensor, W: RtTensor, Y: RtTensor, act: number): void {
  const q = convQuant(X, W, Y, g.OC, act);
  g.m = q[0] as Int32Array;
  g.l = q[1] as Int32Array;
  g.r = q[2] as Int32Array;
  g.lo = (q[3] as Int32Array)[0] as number;
  g.hi = (q[3] as Int32Array)[1] as number;
}

/**
 * y[P,OC] = requant(x[P,K] . w[OC,K]^T + bias): FULLY_CONNECTED and pointwise CONV_2D.
 * The offsets are folded once: sum((x + off)(w + woff)) = sum(x w) + woff sum(x) + off sum(w + woff).
 * Accumulator: K terms of |x w| <= 2^14 plus the folded constants; below 2^31 for K < 2^16 with
 * |bias| < 2^30; past that, `acc | 0` reproduces C's int32 wrap (the JS sum is exact below 2^53).
 */
export function matmul(c: Ctx, g: Geom, P: number, K: number, woff: number): Eval {
  const OC = g.OC;
  const x = g.x;
  const w = g.w;
  const dot = c.dot;
  const b2 = new Int32Array(OC);
  const rows: Int8Array[] = [];
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) s += (w[k * K + i] as number) + woff;
    b2[k] = (g.b[k] as number) + g.off * s;
    rows.push(w.subarray(k * K, k * K + K));
  }
  const sx = new Int32Array(P);
  // two int8 dot products per double multiply-add on hosts (not on Espruino, to spare RAM):
  // each lane sum has |sum| <= K * 2^14 < 2^25 for K < 2048, so both lanes stay exact
  const Q = (P + 1) >> 1;
  const swar = c.swar && K < 2048;
  if (swar && Q * K > c.fn) c.fn = Q * K;
  if (swar && P * OC > c.an) c.an = P * OC;
  if (swar && Q * OC > c.pn) c.pn = Q * OC;
  return () => {
    if (woff)
      for (let p = 0; p < P; p++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += x[p * K + i] as number;
        sx[p] = s;
      }
    if (dot) {
      for (let p = 0; p < P; p++) {
        const xs = x.subarray(p * K, p * K + K);
        for (let k = 0; k < OC; k++) out(g, b2, sx, woff, p, k, dot(rows[k] as Int8Array, xs));
      }
    } else if (swar) {
      const acc = c.a as Int32Array;
      mmHost(x, c.f as Float64Array, c.p as Float64Array, acc, w, P, Q, K, OC);
      if (woff)
        for (let i = 0; i < P * OC; i++) acc[i] = (acc[i] as number) + woff * (sx[(i / OC) >> 0] as number);
      requantAll(g, acc, P, b2);
    } else mm(g, b2, sx, woff, x, w, P, K, OC);
  };
}

/** Host matmul: pack pixel pairs, mm2, unpack the pair sums into acc (top-level: monomorphic, no closure context). */
function mmHost(
  x: Int8Array,
  f: Float64Array,
  pr: Float64Array,
  acc: Int32Array,
  w: Int8Array,
  P: number,
  Q: number,
  K: number,
  OC: number,
): void {
  // pack pixel pairs: f[q, i] = x[2q, i] + x[2q + 1, i] * 2^26 (exact; see mm2)
  for (let q = 0; q < Q; q++) {
    const a = 2 * q * K;
    if (2 * q + 1 < P)
      for (let i = 0; i < K; i++) f[q * K + i] = (x[a + i] as number) + (x[a + K + i] as number) * 67108864;
    else for (let i = 0; i < K; i++) f[q * K + i] = x[a + i] as number;
  }
  mm2(pr, f, w, Q, K, OC);
  // unpack the pair sums: lane 1 = floor(a / 2^26 + 1/2), lane 0 = a - lane 1 * 2^26
  for (let q = 0; q < Q; q++) {
    const o = 2 * q * OC;
    const two = 2 * q + 1 < P;
    for (let k = 0; k < OC; k++) {
      const a = pr[q * OC + k] as number;
      const h = Math.floor(a / 67108864 + 0.5);
      acc[o + k] = a - h * 67108864;
      if (two) acc[o + OC + k] = h;
    }
  }
}

/** Requantizes one matmul output (acc without the folded constants) into y[p, k]. */
function out(g: Geom, b2: Int32Array, sx: Int32Array, woff: number, p: number, k: number, acc: number): void {
  acc =
    mbqm(
      (acc + (b2[k] as number) + woff * (sx[p] as number)) | 0,
      g.m[k] as number,
      g.l[k] as number,
      g.r[k] as number,
    ) + g.yz;
  g.y[p * g.OC + k] = acc < g.lo ? g.lo : acc > g.hi ? g.hi : acc;
}

/** The plain matmul kernel (Espruino without E.convolve, or K >= 2048): one dot product per output. */
function mm(
  g: Geom,
  b2: Int32Array,
  sx: Int32Array,
  woff: number,
  x: Int8Array,
  w: Int8Array,
  P: number,
  K: number,
  OC: number,
): void {
  for (let p = 0; p < P; p++)
    for (let k = 0; k < OC; k++) {
      let a = 0;
      for (let i = 0; i < K; i++) a += (x[p * K + i] as number) * (w[k * K + i] as number);
      out(g, b2, sx, woff, p, k, a);
    }
}

/**
 * The host kernel: like mm, on pixel pairs packed two to a double (lane 0 the even pixel, lane 1
 * the odd one times 2^26). Sums of products of integers below 2^51 are exact in doubles; lane 1
 * = floor(a / 2^26 + 1/2) and lane 0 = a - lane1 * 2^26 recover both int32 sums exactly.
 */
function mm2(pr: Float64Array, f: Float64Array, w: Int8Array, Q: number, K: number, OC: number): void {
  for (let q = 0; q < Q; q += 4) {
    const x0 = q * K;
    const x1 = q + 1 < Q ? x0 + 1 * K : x0;
    const x2 = q + 2 < Q ? x0 + 2 * K : x0;
    const x3 = q + 3 < Q ? x0 + 3 * K : x0;
    for (let k = 0; k < OC; k += 4) {
      const w0 = k * K;
      const w1 = k + 1 < OC ? w0 + 1 * K : w0;
      const w2 = k + 2 < OC ? w0 + 2 * K : w0;
      const w3 = k + 3 < OC ? w0 + 3 * K : w0;
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
      pr[(q + 0) * OC + k + 0] = a00;
      if (w1 !== w0) pr[(q + 0) * OC + k + 1] = a01;
      if (w2 !== w0) pr[(q + 0) * OC + k + 2] = a02;
      if (w3 !== w0) pr[(q + 0) * OC + k + 3] = a03;
      if (x1 !== x0) pr[(q + 1) * OC + k + 0] = a10;
      if (x1 !== x0 && w1 !== w0) pr[(q + 1) * OC + k + 1] = a11;
      if (x1 !== x0 && w2 !== w0) pr[(q + 1) * OC + k + 2] = a12;
      if (x1 !== x0 && w3 !== w0) pr[(q + 1) * OC + k + 3] = a13;
      if (x2 !== x0) pr[(q + 2) * OC + k + 0] = a20;
      if (x2 !== x0 && w1 !== w0) pr[(q + 2) * OC + k + 1] = a21;
      if (x2 !== x0 && w2 !== w0) pr[(q + 2) * OC + k + 2] = a22;
      if (x2 !== x0 && w3 !== w0) pr[(q + 2) * OC + k + 3] = a23;
      if (x3 !== x0) pr[(q + 3) * OC + k + 0] = a30;
      if (x3 !== x0 && w1 !== w0) pr[(q + 3) * OC + k + 1] = a31;
      if (x3 !== x0 && w2 !== w0) pr[(q + 3) * OC + k + 2] = a32;
      if (x3 !== x0 && w3 !== w0) pr[(q + 3) * OC + k + 3] = a33;
    }
  }
}

/**
 * y[p, k] = clamp(MultiplyByQuantizedMultiplier(acc[p, k] + b[k]) + zp) over P rows: one tight
 * loop, with SaturatingRoundingDoublingHighMul inlined for |a| < 2^22 and a left shift of 0
 * (a * m < 2^53 exact; * 2^-31 is an exact scaling; floor gives the exact quotient).
 */
export function requantAll(g: Geom, acc: Int32Array, P: number, b: Int32Array): void {
  const OC = g.OC;
  const n = P * OC;
  const yz = g.yz;
  const lo = g.lo;
  const hi = g.hi;
  const y = g.y;
  // channel by channel: the multiplier, shifts and rounding mask stay in registers
  for (let k = 0; k < OC; k++) {
    const mk = g.m[k] as number;
    const lk = g.l[k] as number;
    const rk = g.r[k] as number;
    const bk = b[k] as number;
    const mask = (1 << rk) - 1;
    const th = mask >> 1;
    for (let i = k; i < n; i += OC) {
      const a = ((acc[i] as number) + bk) | 0;
      let v: number;
      if (a < 4194304 && a > -4194304 && lk === 0) {
        const t = a * mk;
        v =
          t >= 0
            ? Math.floor((t + 1073741824) * 4.656612873077393e-10)
            : 0 - Math.floor((1073741823 - t) * 4.656612873077393e-10);
      } else v = srdhm(a << lk, mk);
      v = (v >> rk) + ((v & mask) > th + (v < 0 ? 1 : 0) ? 1 : 0) + yz;
      y[i] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}

/** FULLY_CONNECTED: x [..., K] int8 read as [B, K], w [OC, K] int8 (per-tensor or per-channel), bias [OC] -> y [B, OC]. */
export function fc(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const W = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const OC = dim(W, 0);
  const K = dim(W, 1);
  const B = (X.size / K) >> 0;
  check(B * K === X.size && Y.size === B * OC, "bad shapes");
  const g = mk(c, op, OC);
  quant(g, X, W, Y, num(c.fb, op.opt, 0, 0, 1));
  return matmul(c, g, B, K, -zp(W));
}
