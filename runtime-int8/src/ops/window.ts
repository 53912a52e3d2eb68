/**
 * The windowed ops: CONV_2D (reference_integer_ops::ConvPerChannel),
 * DEPTHWISE_CONV_2D (DepthwiseConvPerChannel; any depth multiplier M, stride, dilation,
 * SAME/VALID), AVERAGE_POOL_2D and MAX_POOL_2D (reference_integer_ops::AveragePool / MaxPool).
 * And FULLY_CONNECTED, run as a 1x1 conv (w [OC, K], per-tensor or per-channel, with a weights offset).
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
import type { Eval, RtOp, RtTensor } from "../types.js";
import { bias, type Ctx, check, clampQ, I8, padAxis, type Q, quant, rdiv, rq } from "../util.js";

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
  /** Weights offset (-zero point; FULLY_CONNECTED only, else 0). */
  wz: number;
  x: Int8Array;
  w: Int8Array;
  y: Int8Array;
}

/**
 * kind: 0 CONV_2D, 1 DEPTHWISE_CONV_2D (its options carry depth_multiplier at field 3, shifting
 * the rest by one), 2 AVERAGE_POOL_2D, 3 MAX_POOL_2D (filter size at fields 3, 4; activation 5),
 * 4 FULLY_CONNECTED (activation at field 0; run as a 1x1 conv over x [B,1,1,K] with w [OC,1,1,K]).
 * Built on the op's Q (requantization), fields added in one order (one hidden class).
 */
export function geom(op: RtOp, t: RtTensor[], Y: RtTensor, kind: number): Geom {
  const k = +(kind === 1);
  const pool = kind === 2 || kind === 3;
  const fc = kind > 3;
  const o = fc ? 0 : op.opt;
  const X = t[0] as RtTensor;
  const W = t[pool ? 0 : 1] as RtTensor;
  const K = W.dims[1] as number;
  const B = (X.nel / K) >> 0;
  const OC = (fc ? W : Y).dims[fc ? 0 : 3] as number;
  const xs = fc ? [B, 1, 1, K] : X.dims;
  const ys = fc ? [B, 1, 1, OC] : Y.dims;
  const C = xs[3] as number;
  // (a pool's "filter": [C, filter height, filter width, C])
  const ws = fc ? [OC, 1, 1, K] : pool ? [C, num(o, 4, 1), num(o, 3, 1), C] : W.dims;
  check(
    (fc || (X.rk === 4 && Y.rk === 4 && xs[0] === ys[0] && ws.length === 4)) &&
      (k ? !(OC % C) && ws[3] === OC : ws[0] === OC && ws[3] === C) &&
      (!fc || (B * K === X.nel && Y.nel === B * OC)),
  );
  // multipliers: input scale * filter scale (per channel or per tensor) / output scale
  const reals: number[] = [];
  for (let c = pool ? 0 : OC; c--; ) reals[c] = (X.sq * (W.scale[c] || W.sq)) / Y.sq;
  const same = !num(o, 0, 0, 1);
  const H = xs[1] as number;
  const IW = xs[2] as number;
  const KH = ws[1] as number;
  const KW = ws[2] as number;
  const OH = ys[1] as number;
  const OW = ys[2] as number;
  const sh = num(o, 2, 1);
  const sw = num(o, 1, 1);
  const dh = num(pool ? 0 : o, 5 + k, 1);
  const dw = num(pool ? 0 : o, 4 + k, 1);
  return quant(reals, num(op.opt, fc ? 0 : pool ? 5 : 3 + k, 0, 1), Y, {
    N: xs[0] as number,
    H: H,
    IW: IW,
    C: C,
    KH: KH,
    KW: KW,
    OC: OC,
    OH: OH,
    OW: OW,
    sh: sh,
    sw: sw,
    dh: dh,
    dw: dw,
    ph: padAxis(same, sh, dh, H, KH, OH),
    pw: padAxis(same, sw, dw, IW, KW, OW),
    b: bias(pool ? undefined : t[2], OC),
    off: pool ? 0 : -X.zq,
    wz: fc ? -W.zq : 0,
    x: X.d as Int8Array,
    w: W.d as Int8Array,
    y: Y.d as Int8Array,
  });
}

/**
 * The windowed ops and FULLY_CONNECTED (kind as geom, from the op code). The add-on may take CONV_2D, DEPTHWISE_CONV_2D,
 * and as a matrix multiply FULLY_CONNECTED and 1x1 stride-1 CONV_2D.
 *
 * CONV_2D and FULLY_CONNECTED run one dot product (c.dot: E.convolve on Espruino, else a plain
 * loop) per output pixel and filter: the pixel's window in `patch` ([KH, KW, C] as the filter; a
 * 1x1 stride-1 window is x's own pixel, no copy; taps outside the image hold -off, so they add 0),
 * and sum((x + off)(w + wz)) = dot(w[k], patch) + off sum(w[k]) + wz sum(patch + off), with the
 * rows of w and their sums (+ bias) taken once at load. Depthwise and pools: win() below.
 */
export function windowed(c: Ctx, op: RtOp, t: RtTensor[], Y: RtTensor): Eval {
  // kind from the builtin code: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, FULLY_CONNECTED
  const kind = [3, 4, 1, 17, 9].indexOf(op.bc);
  const g = geom(op, t, Y, kind);
  const h = c.h;
  // (positive integers, or padAxis rejected the op: a product of 1 means all are 1)
  const mm = kind > 3 || (!kind && g.KH * g.KW * g.sh * g.sw === 1);
  const e = h && (kind === 1 ? h.dw(g) : mm ? h.mm(g) : !kind && h.conv(g));
  const dot = c.dot;
  const sum = c.su;
  if (e || (kind && kind < 4)) return e || (() => win(g, kind, op.tmp));
  const C = g.C;
  const OC = g.OC;
  const n = g.KH * g.KW * C;
  const x = g.x;
  const off = g.off;
  const patch = new I8(n);
  const rows: Int8Array[] = [];
  const ws: number[] = [];
  for (let k = OC; k--; ) {
    rows[k] = g.w.subarray(k * n, k * n + n);
    ws[k] = (g.b[k] as number) + off * sum(rows[k] as Int8Array);
  }
  return () => {
    let p = 0;
    for (let b = 0; b < g.N; b++)
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < g.OW; ox++, p++) {
          let xs: Int8Array = patch;
          if (mm) xs = x.subarray(p * C, p * C + C);
          else
            for (let ky = 0, j = 0; ky < g.KH; ky++)
              for (let kx = 0; kx < g.KW; kx++) {
                const iy = oy * g.sh - g.ph + ky * g.dh;
                const ix = ox * g.sw - g.pw + kx * g.dw;
                const i = ((b * g.H + iy) * g.IW + ix) * C;
                // (a negative index is 2^32 - |i| unsigned: one compare per bound)
                const ok = iy >>> 0 < g.H && ix >>> 0 < g.IW;
                for (let q = 0; q < C; q++) patch[j++] = ok ? (x[i + q] as number) : -off;
              }
          const s = g.wz * (sum(xs) + n * off);
          for (let k = OC; k--; )
            g.y[p * OC + k] = rq(g, k, dot(rows[k] as Int8Array, xs) + (ws[k] as number) + s);
        }
  };
}

/**
 * DEPTHWISE_CONV_2D and the pools, one output channel k at a time (reading input channel k / M).
 * In place (tmp given: a depthwise y sharing x's bytes, M = 1), the channel's OH*OW outputs go to
 * the plane `tmp` first and are copied to y after: output channel k overwrites only channel k of x,
 * whose last read is before the copy (NHWC: element (p, k) of x and y is byte p*C + k of both).
 */
function win(g: Geom, kind: number, tmp: Int8Array | undefined): void {
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
  // (batches in order: an in-place output may have fewer pixels, so batch n's y bytes can be x's
  // batch n - 1 bytes, read before; channels and pixels count down: each output is independent)
  for (let n = 0; n < g.N; n++)
    for (let k = OC; k--; ) {
      const ic = (k / M) >> 0;
      for (let oy = g.OH; oy--; )
        for (let ox = OW; ox--; ) {
          const iy0 = oy * g.sh - g.ph;
          const ix0 = ox * g.sw - g.pw;
          let a = kind === 3 ? -128 : (g.b[k] as number);
          let cnt = 0;
          // taps inside the image only (a pool's window may be far larger than the image)
          for (let ky = iy0 < 0 ? ((g.dh - 1 - iy0) / g.dh) >> 0 : 0; ky < KH; ky++) {
            const iy = iy0 + ky * g.dh;
            if (iy >= g.H) break;
            for (let kx = ix0 < 0 ? ((g.dw - 1 - ix0) / g.dw) >> 0 : 0; kx < KW; kx++) {
              const ix = ix0 + kx * g.dw;
              if (ix >= g.IW) break;
              const v = x[((n * g.H + iy) * g.IW + ix) * C + ic] as number;
              cnt++;
              if (kind === 1) a += (v + off) * (w[(ky * KW + kx) * OC + k] as number);
              else if (kind === 2) a += v;
              else if (v > a) a = v;
            }
          }
          a = kind === 1 ? rq(g, k, a) : clampQ(g, kind === 2 ? rdiv(a, cnt) : a);
          if (tmp) tmp[oy * OW + ox] = a;
          else y[(n * P + oy * OW + ox) * OC + k] = a;
        }
      if (tmp) for (let i = P; i--; ) y[(n * P + i) * OC + k] = tmp[i] as number;
    }
}
