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
  const g: Geom = {
    N: dim(X, 0),
    H: dim(X, 1),
    IW: dim(X, 2),
    C: dim(X, 3),
    KH: dim(W, 1),
    KW: dim(W, 2),
    OC: OC,
    OH: dim(Y, 1),
    OW: dim(Y, 2),
    sw: num(fb, o, 1, 1, 4),
    sh: num(fb, o, 2, 1, 4),
    dw: num(fb, o, 4 + k, 1, 4),
    dh: num(fb, o, 5 + k, 1, 4),
    ph: 0,
    pw: 0,
    m: new Int32Array(0),
    l: new Int32Array(0),
    r: new Int32Array(0),
    lo: 0,
    hi: 0,
    b: bias(c, op, 2, OC),
    off: -zp(X),
    yz: zp(Y),
    x: i8(X),
    w: i8(W),
    y: i8(Y),
  };
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
  const y = g.y;
  const dot = c.dot;
  const b2 = new Int32Array(OC);
  const rows: Int8Array[] = [];
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) s += (w[k * K + i] as number) + woff;
    b2[k] = (g.b[k] as number) + g.off * s;
    rows.push(w.subarray(k * K, k * K + K));
  }
  return () => {
    const m = g.m;
    const l = g.l;
    const r = g.r;
    const lo = g.lo;
    const hi = g.hi;
    const yz = g.yz;
    let yo = 0;
    for (let p = 0; p < P; p++) {
      const xo = p * K;
      let sx = 0;
      if (woff) for (let i = 0; i < K; i++) sx += x[xo + i] as number;
      const xs = dot ? x.subarray(xo, xo + K) : x;
      for (let k = 0; k < OC; k++) {
        let acc = (b2[k] as number) + woff * sx;
        if (dot) acc += dot(rows[k] as Int8Array, xs);
        else {
          const wo = k * K;
          for (let i = 0; i < K; i++) acc += (x[xo + i] as number) * (w[wo + i] as number);
        }
        acc = mbqm(acc | 0, m[k] as number, l[k] as number, r[k] as number) + yz;
        y[yo++] = acc < lo ? lo : acc > hi ? hi : acc;
      }
    }
  };
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
  const g = { OC: OC, b: bias(c, op, 2, OC), off: -zp(X), yz: zp(Y), x: i8(X), w: i8(W), y: i8(Y) } as Geom;
  quant(g, X, W, Y, num(c.fb, op.opt, 0, 0, 1));
  return matmul(c, g, B, K, -zp(W));
}
