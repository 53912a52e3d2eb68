/**
 * The windowed ops, one kernel: CONV_2D (reference_integer_ops::ConvPerChannel),
 * DEPTHWISE_CONV_2D (DepthwiseConvPerChannel; any depth multiplier M, stride, dilation,
 * SAME/VALID), AVERAGE_POOL_2D and MAX_POOL_2D (reference_integer_ops::AveragePool / MaxPool).
 * And the matrix multiply of FULLY_CONNECTED and 1x1 stride-1 CONV_2D.
 * Shapes: x [N,H,W,C] int8 -> y [N,OH,OW,OC] int8; conv w [OC,KH,KW,C] (per-channel scales on
 * axis 0), depthwise w [1,KH,KW,C*M] (axis 3), bias [OC] int32; pools keep x's quantization.
 *
 * Accumulators: a conv sums KH*KW*C terms (depthwise KH*KW) of |(x + off) * w| <= 255 * 128 = 32640,
 * below 2^31 - |bias| for up to 32768 terms with |bias| < 2^30, which holds for every model this
 * runtime targets; past that, `acc | 0` reproduces the C kernel's two's-complement wrap (the JS sum
 * itself is exact below 2^53). An average pool sums at most FH*FW int8 values, then
 * (sum +- count/2) / count truncated toward zero, as C's integer division.
 */
import { num } from "../fb.js";
import type { Eval, RtOp } from "../types.js";
import {
  bias,
  type Ctx,
  check,
  convReals,
  dim,
  i8,
  padAxis,
  type Q,
  quant,
  rq,
  tin,
  tout,
  zp,
} from "../util.js";

/** Geometry and quantization of a conv-like op (field names are read by the add-on's kernels too). */
export interface Geom extends Q {
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
  b: Int32Array;
  off: number;
  x: Int8Array;
  w: Int8Array;
  y: Int8Array;
}

/** A Geom with every field in one order (one hidden class for all conv-like ops: monomorphic loops). */
function mk(c: Ctx, op: RtOp, OC: number, q: Q, pool: boolean): Geom {
  const X = tin(c, op, 0);
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
    m: q.m,
    l: q.l,
    r: q.r,
    lo: q.lo,
    hi: q.hi,
    yz: q.yz,
    b: pool ? new Int32Array(OC) : bias(c, op, 2, OC),
    off: pool ? 0 : -zp(X),
    x: i8(X),
    w: i8(tin(c, op, pool ? 0 : 1)),
    y: i8(tout(c, op, 0)),
  };
}

/**
 * kind: 0 CONV_2D, 1 DEPTHWISE_CONV_2D (its options carry depth_multiplier at field 3, shifting
 * the rest by one), 2 AVERAGE_POOL_2D, 3 MAX_POOL_2D (filter size at fields 3, 4; activation 5).
 */
export function geom(c: Ctx, op: RtOp, kind: number): Geom {
  const o = op.opt;
  const k = kind === 1 ? 1 : 0;
  const pool = kind > 1;
  const X = tin(c, op, 0);
  const W = tin(c, op, pool ? 0 : 1);
  const Y = tout(c, op, 0);
  const OC = dim(Y, 3);
  const C = dim(X, 3);
  check(pool ? OC === C : kind ? OC % C === 0 && dim(W, 3) === OC : dim(W, 0) === OC && dim(W, 3) === C);
  const g = mk(c, op, OC, quant(pool ? [] : convReals(X, W, Y, OC), num(o, pool ? 5 : 3 + k, 0, 1), Y), pool);
  g.N = dim(X, 0);
  g.H = dim(X, 1);
  g.IW = dim(X, 2);
  g.C = C;
  g.KH = pool ? num(o, 4, 1, 4) : dim(W, 1);
  g.KW = pool ? num(o, 3, 1, 4) : dim(W, 2);
  g.OH = dim(Y, 1);
  g.OW = dim(Y, 2);
  g.sw = num(o, 1, 1, 4);
  g.sh = num(o, 2, 1, 4);
  if (!pool) {
    g.dw = num(o, 4 + k, 1, 4);
    g.dh = num(o, 5 + k, 1, 4);
  }
  const same = num(o, 0, 0, 1) === 0;
  g.ph = padAxis(same, g.sh, g.dh, g.H, g.KH, g.OH);
  g.pw = padAxis(same, g.sw, g.dw, g.IW, g.KW, g.OW);
  return g;
}

/** The windowed ops (kind as geom); 1x1 stride-1 CONV_2D runs as a matrix multiply; the add-on may take conv and depthwise. */
export function windowed(kind: number) {
  return (c: Ctx, op: RtOp): Eval => {
    const g = geom(c, op, kind);
    if (!kind && g.KH === 1 && g.KW === 1 && g.sh === 1 && g.sw === 1)
      return matmul(c, g, g.N * g.H * g.IW, g.C, 0);
    const h = c.h && kind < 2 && (kind ? c.h.dw(g) : c.h.conv(g));
    if (h) return h;
    const tmp = op.tmp;
    return () => win(g, kind, tmp, c.dot, c.sum);
  };
}

/**
 * One output channel k at a time (depthwise and pools read input channel k / M, conv all of them).
 * In place (tmp given: a depthwise y sharing x's bytes, M = 1), the channel's OH*OW outputs go to
 * the plane `tmp` first and are copied to y after: output channel k overwrites only channel k of x,
 * whose last read is before the copy (NHWC: element (p, k) of x and y is byte p*C + k of both).
 * With E.convolve (dot), a conv's valid taps of one filter row are one contiguous run when the
 * dilation is 1, else one run of C per tap.
 */
function win(
  g: Geom,
  kind: number,
  tmp: Int8Array | undefined,
  dot: ((a: Int8Array, b: Int8Array) => number) | undefined,
  sum: ((a: Int8Array) => number) | undefined,
): void {
  const C = g.C;
  const OC = g.OC;
  const OW = g.OW;
  const KH = g.KH;
  const KW = g.KW;
  const P = g.OH * OW;
  const M = (OC / C) >> 0;
  const off = g.off;
  const x = g.x;
  const w = g.w;
  const y = g.y;
  const conv = !kind;
  for (let n = 0; n < g.N; n++)
    for (let k = 0; k < OC; k++) {
      const ic = conv ? 0 : (k / M) >> 0;
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const iy0 = oy * g.sh - g.ph;
          const ix0 = ox * g.sw - g.pw;
          let a = kind === 3 ? -128 : (g.b[k] as number);
          let cnt = 0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = iy0 + ky * g.dh;
            if (iy < 0 || iy >= g.H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ix0 + kx * g.dw;
              if (ix < 0 || ix >= g.IW) continue;
              const xi = ((n * g.H + iy) * g.IW + ix) * C + ic;
              cnt++;
              if (conv) {
                const wi = ((k * KH + ky) * KW + kx) * C;
                let len = C;
                if (dot) {
                  if (g.dw === 1) {
                    // the rest of this row's valid taps, one run
                    while (kx + 1 < KW && ix0 + kx + 1 < g.IW) {
                      kx++;
                      len += C;
                    }
                  }
                  const wv = w.subarray(wi, wi + len);
                  a += dot(wv, x.subarray(xi, xi + len)) + off * (sum as (a: Int8Array) => number)(wv);
                } else for (let i = 0; i < C; i++) a += ((x[xi + i] as number) + off) * (w[wi + i] as number);
              } else {
                const v = x[xi] as number;
                if (kind === 1) a += (v + off) * (w[(ky * KW + kx) * OC + k] as number);
                else if (kind === 2) a += v;
                else if (v > a) a = v;
              }
            }
          }
          if (kind < 2) a = rq(g, k, a);
          else {
            if (kind === 2) {
              a = a > 0 ? a + (cnt >> 1) : a - (cnt >> 1);
              a = (a - (a % cnt)) / cnt;
            }
            a = a < g.lo ? g.lo : a > g.hi ? g.hi : a;
          }
          if (tmp) tmp[oy * OW + ox] = a;
          else y[(n * P + oy * OW + ox) * OC + k] = a;
        }
      if (tmp) for (let i = 0; i < P; i++) y[(n * P + i) * OC + k] = tmp[i] as number;
    }
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
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) s += (w[k * K + i] as number) + woff;
    b2[k] = (g.b[k] as number) + g.off * s;
  }
  const h = c.h && c.h.mm(g, P, K, b2, woff);
  if (h) return h;
  return () => {
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += x[p * K + i] as number;
      const xs = x.subarray(p * K, p * K + K);
      for (let k = 0; k < OC; k++) {
        let a = 0;
        if (dot) a = dot(w.subarray(k * K, k * K + K), xs);
        else for (let i = 0; i < K; i++) a += (xs[i] as number) * (w[k * K + i] as number);
        g.y[p * OC + k] = rq(g, k, a + (b2[k] as number) + woff * s);
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
  check(B * K === X.size && Y.size === B * OC);
  return matmul(
    c,
    mk(c, op, OC, quant(convReals(X, W, Y, OC), num(op.opt, 0, 0, 1), Y), false),
    B,
    K,
    -zp(W),
  );
}
