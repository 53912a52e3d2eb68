/**
 * DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel), any depth multiplier M,
 * stride, dilation, SAME/VALID.
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3),
 * bias [C*M] int32 -> y [N,OH,OW,C*M] int8.
 *
 * Accumulator: KH*KW terms of |(x + off) * w| <= 32640 plus the bias; for KH*KW <= 32768
 * (any real kernel) the sum stays inside int32. The accumulators live in an Int32Array, whose
 * stores wrap exactly like C's int32 if a model ever went past that.
 */
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import type { Ctx } from "../util.js";
import { dwPacked, packedSize } from "./packed.js";
import { type Geom, geom } from "./window.js";

export function dwconv(c: Ctx, op: RtOp): Eval {
  const g = geom(c, op, true);
  const acc = new Int32Array(g.OC);
  const packed = packedSize(c, g, g.KH * g.KW) > 0;
  return () => {
    if (packed) dwPacked(g, c.f as Float64Array, c.a as Int32Array);
    else dw(g, acc, g.x, g.w, g.y);
  };
}

/**
 * The kernel, top-level so V8 optimises it once for every op. Per output pixel: the valid tap
 * window, then for each tap all channels (contiguous in x, w and the Int32Array accumulators;
 * multiplier 1 as one run, M > 1 as C runs of M).
 */
function dw(g: Geom, acc: Int32Array, x: Int8Array, w: Int8Array, y: Int8Array): void {
  const H = g.H;
  const IW = g.IW;
  const C = g.C;
  const KH = g.KH;
  const KW = g.KW;
  const OC = g.OC;
  const M = (OC / C) >> 0;
  const dh = g.dh;
  const dw = g.dw;
  const off = g.off;
  let yo = 0;
  for (let n = 0; n < g.N; n++) {
    for (let oy = 0; oy < g.OH; oy++) {
      const iy0 = oy * g.sh - g.ph;
      let ky0 = 0;
      while (iy0 + ky0 * dh < 0) ky0++;
      let ky1 = KH;
      while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= H) ky1--;
      for (let ox = 0; ox < g.OW; ox++) {
        const ix0 = ox * g.sw - g.pw;
        let kx0 = 0;
        while (ix0 + kx0 * dw < 0) kx0++;
        let kx1 = KW;
        while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= IW) kx1--;
        for (let k = 0; k < OC; k++) acc[k] = g.b[k] as number;
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) {
            const xs = ((n * H + iy0 + ky * dh) * IW + ix0 + kx * dw) * C;
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
          const v = mbqm(acc[k] as number, g.m[k] as number, g.l[k] as number, g.r[k] as number) + g.yz;
          y[yo++] = v < g.lo ? g.lo : v > g.hi ? g.hi : v;
        }
      }
    }
  }
}
