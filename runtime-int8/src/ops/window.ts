/**
 * Shared load-time setup of the windowed conv ops (CONV_2D, DEPTHWISE_CONV_2D): options,
 * shapes (checked against TFLite's output size rule), SAME padding, per-channel requantization
 * and the int32 bias. And the shared matrix multiply of FULLY_CONNECTED and 1x1 CONV_2D.
 */
import { num } from "../fb.js";
import { mbqm } from "../fixed.js";
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
  const h = c.h && c.h.mm(g, P, K, b2, woff);
  if (h) return h;
  const sx = new Int32Array(P);
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
    } else mm(g, b2, sx, woff, x, w, P, K, OC);
  };
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

/** The plain matmul kernel (no E.convolve, no host kernels): one dot product per output. */
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
