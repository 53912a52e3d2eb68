/**
 * CONV_2D (reference_integer_ops::ConvPerChannel).
 * Shapes: x [N,H,W,C] int8, w [OC,KH,KW,C] int8 (per-channel scales on axis 0),
 * bias [OC] int32 -> y [N,OH,OW,OC] int8.
 *
 * Accumulator: each term (x + off) * w has |x + off| <= 255 and |w| <= 128, so |term| <= 32640;
 * KH*KW*C terms stay below 2^31 - |bias| for KH*KW*C <= 65000 with |bias| < 2^30, which holds for
 * every model this runtime targets. Beyond that, `acc | 0` reproduces the two's-complement wrap
 * of the C kernel exactly (the JS sum itself is exact below 2^53).
 */
import { fI8, fI32 } from "../fb.js";
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import { bias, type Ctx, check, convQuant, dim, i8, outSize, padBefore, tin, tout, zp } from "../util.js";

export function conv(c: Ctx, op: RtOp): Eval {
  const fb = c.fb;
  const o = op.opt;
  const same = fI8(fb, o, 0, 0) === 0;
  const sw = fI32(fb, o, 1, 1);
  const sh = fI32(fb, o, 2, 1);
  const dw = fI32(fb, o, 4, 1);
  const dh = fI32(fb, o, 5, 1);
  const X = tin(c, op, 0);
  const W = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const N = dim(X, 0);
  const H = dim(X, 1);
  const IW = dim(X, 2);
  const C = dim(X, 3);
  const OC = dim(W, 0);
  const KH = dim(W, 1);
  const KW = dim(W, 2);
  const OH = dim(Y, 1);
  const OW = dim(Y, 2);
  check(
    dim(W, 3) === C &&
      dim(Y, 3) === OC &&
      OH === outSize(same, sh, dh, H, KH) &&
      OW === outSize(same, sw, dw, IW, KW),
    "CONV_2D shapes do not match",
  );
  const ph = padBefore(same, sh, dh, H, KH, OH);
  const pw = padBefore(same, sw, dw, IW, KW, OW);
  const q = convQuant(X, W, Y, OC, fI8(fb, o, 3, 0));
  const m = q[0] as Int32Array;
  const l = q[1] as Int32Array;
  const r = q[2] as Int32Array;
  const lo = (q[3] as Int32Array)[0] as number;
  const hi = (q[3] as Int32Array)[1] as number;
  const bb = bias(c, op, 2, OC);
  const off = -zp(X);
  const yz = zp(Y);
  const x = i8(X);
  const w = i8(W);
  const y = i8(Y);
  const dot = c.dot;
  if (KH === 1 && KW === 1 && sh === 1 && sw === 1) {
    // Pointwise: a plain [P,C] x [C,OC] matrix multiply; the input offset is folded into
    // the bias once: sum((x + off) * w) = sum(x * w) + off * sum(w).
    const b2 = new Int32Array(OC);
    const rows: Int8Array[] = [];
    for (let k = 0; k < OC; k++) {
      let s = 0;
      for (let i = 0; i < C; i++) s += w[k * C + i] as number;
      b2[k] = (bb[k] as number) + off * s;
      if (dot) rows.push(w.subarray(k * C, k * C + C));
    }
    const P = N * H * IW;
    return () => {
      for (let p = 0; p < P; p++) {
        const xo = p * C;
        const yo = p * OC;
        const xs = dot ? x.subarray(xo, xo + C) : x;
        for (let k = 0; k < OC; k++) {
          let acc = b2[k] as number;
          if (dot) acc += dot(rows[k] as Int8Array, xs);
          else {
            const wo = k * C;
            for (let i = 0; i < C; i++) acc += (x[xo + i] as number) * (w[wo + i] as number);
          }
          acc = mbqm(acc | 0, m[k] as number, l[k] as number, r[k] as number) + yz;
          y[yo + k] = acc < lo ? lo : acc > hi ? hi : acc;
        }
      }
    };
  }
  return () => {
    let yo = 0;
    for (let n = 0; n < N; n++) {
      for (let oy = 0; oy < OH; oy++) {
        const iy0 = oy * sh - ph;
        let ky0 = 0;
        while (iy0 + ky0 * dh < 0) ky0++;
        let ky1 = KH;
        while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= H) ky1--;
        for (let ox = 0; ox < OW; ox++) {
          const ix0 = ox * sw - pw;
          let kx0 = 0;
          while (ix0 + kx0 * dw < 0) kx0++;
          let kx1 = KW;
          while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= IW) kx1--;
          // with dilation 1 the valid taps of one filter row are one contiguous run
          const segs = dw === 1 ? 1 : kx1 - kx0;
          const len = dw === 1 ? (kx1 - kx0) * C : C;
          const xstep = dw * C;
          for (let k = 0; k < OC; k++) {
            let acc = bb[k] as number;
            for (let ky = ky0; ky < ky1; ky++) {
              let xs = ((n * H + iy0 + ky * dh) * IW + ix0 + kx0 * dw) * C;
              let ws = ((k * KH + ky) * KW + kx0) * C;
              for (let s = 0; s < segs; s++) {
                if (dot) {
                  const wv = w.subarray(ws, ws + len);
                  acc += dot(wv, x.subarray(xs, xs + len)) + off * (c.sum as (a: Int8Array) => number)(wv);
                } else
                  for (let i = 0; i < len; i++) acc += ((x[xs + i] as number) + off) * (w[ws + i] as number);
                xs += xstep;
                ws += C;
              }
            }
            acc = mbqm(acc | 0, m[k] as number, l[k] as number, r[k] as number) + yz;
            y[yo++] = acc < lo ? lo : acc > hi ? hi : acc;
          }
        }
      }
    }
  };
}
