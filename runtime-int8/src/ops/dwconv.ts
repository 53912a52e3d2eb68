/**
 * DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel), any depth multiplier M,
 * stride, dilation, SAME/VALID.
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3),
 * bias [C*M] int32 -> y [N,OH,OW,C*M] int8.
 *
 * Accumulator: KH*KW terms of |(x + off) * w| <= 32640 plus the bias; for KH*KW <= 32768
 * (any real kernel) the sum stays inside int32. The per-pixel accumulators live in an
 * Int32Array, whose stores wrap exactly like C's int32 if a model ever went past that.
 */
import { fI8, fI32 } from "../fb.js";
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import { bias, type Ctx, check, convQuant, dim, i8, outSize, padBefore, tin, tout, zp } from "../util.js";

export function dwconv(c: Ctx, op: RtOp): Eval {
  const fb = c.fb;
  const o = op.opt;
  const same = fI8(fb, o, 0, 0) === 0;
  const sw = fI32(fb, o, 1, 1);
  const sh = fI32(fb, o, 2, 1);
  const dw = fI32(fb, o, 5, 1);
  const dh = fI32(fb, o, 6, 1);
  const X = tin(c, op, 0);
  const W = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const N = dim(X, 0);
  const H = dim(X, 1);
  const IW = dim(X, 2);
  const C = dim(X, 3);
  const KH = dim(W, 1);
  const KW = dim(W, 2);
  const OC = dim(W, 3);
  const M = (OC / C) >> 0;
  const OH = dim(Y, 1);
  const OW = dim(Y, 2);
  check(
    M * C === OC &&
      dim(Y, 3) === OC &&
      OH === outSize(same, sh, dh, H, KH) &&
      OW === outSize(same, sw, dw, IW, KW),
    "DEPTHWISE_CONV_2D shapes do not match",
  );
  const ph = padBefore(same, sh, dh, H, KH, OH);
  const pw = padBefore(same, sw, dw, IW, KW, OW);
  const q = convQuant(X, W, Y, OC, fI8(fb, o, 4, 0));
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
  const acc = new Int32Array(OC);
  return () => {
    let yo = 0;
    for (let n = 0; n < N; n++) {
      for (let oy = 0; oy < OH; oy++) {
        const iy0 = oy * sh - ph;
        for (let ox = 0; ox < OW; ox++) {
          const ix0 = ox * sw - pw;
          acc.set(bb);
          for (let ky = 0; ky < KH; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= IW) continue;
              const xs = ((n * H + iy) * IW + ix) * C;
              const ws = (ky * KW + kx) * OC;
              if (M === 1) {
                for (let i = 0; i < C; i++)
                  acc[i] = (acc[i] as number) + ((x[xs + i] as number) + off) * (w[ws + i] as number);
              } else {
                for (let i = 0; i < C; i++) {
                  const v = (x[xs + i] as number) + off;
                  for (let j = i * M; j < i * M + M; j++)
                    acc[j] = (acc[j] as number) + v * (w[ws + j] as number);
                }
              }
            }
          }
          for (let k = 0; k < OC; k++) {
            const v = mbqm(acc[k] as number, m[k] as number, l[k] as number, r[k] as number) + yz;
            y[yo++] = v < lo ? lo : v > hi ? hi : v;
          }
        }
      }
    }
  };
}
