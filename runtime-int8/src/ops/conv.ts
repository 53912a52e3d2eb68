/**
 * CONV_2D (reference_integer_ops::ConvPerChannel).
 * Shapes: x [N,H,W,C] int8, w [OC,KH,KW,C] int8 (per-channel scales on axis 0),
 * bias [OC] int32 -> y [N,OH,OW,OC] int8. 1x1 stride 1 runs as a matrix multiply.
 *
 * Accumulator: each term (x + off) * w has |x + off| <= 255 and |w| <= 128, so |term| <= 32640;
 * KH*KW*C terms stay below 2^31 - |bias| for KH*KW*C <= 32768 with |bias| < 2^30, which holds
 * for every model this runtime targets. Beyond that, `acc | 0` reproduces the two's-complement
 * wrap of the C kernel exactly (the JS sum itself is exact below 2^53).
 */
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import type { Ctx } from "../util.js";
import { geom, matmul } from "./window.js";

export function conv(c: Ctx, op: RtOp): Eval {
  const g = geom(c, op, false);
  if (g.KH === 1 && g.KW === 1 && g.sh === 1 && g.sw === 1) return matmul(c, g, g.N * g.H * g.IW, g.C, 0);
  const h = c.h && c.h.conv(g);
  if (h) return h;
  const dot = c.dot;
  return () => {
    const N = g.N;
    const H = g.H;
    const IW = g.IW;
    const C = g.C;
    const KH = g.KH;
    const KW = g.KW;
    const OC = g.OC;
    const dh = g.dh;
    const dw = g.dw;
    const off = g.off;
    const x = g.x;
    const w = g.w;
    const y = g.y;
    let yo = 0;
    for (let n = 0; n < N; n++) {
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
          // with dilation 1 the valid taps of one filter row are one contiguous run
          const segs = dw === 1 ? 1 : kx1 - kx0;
          const len = dw === 1 ? (kx1 - kx0) * C : C;
          for (let k = 0; k < OC; k++) {
            let acc = g.b[k] as number;
            for (let ky = ky0; ky < ky1; ky++) {
              let xs = ((n * H + iy0 + ky * dh) * IW + ix0 + kx0 * dw) * C;
              let ws = ((k * KH + ky) * KW + kx0) * C;
              for (let s = 0; s < segs; s++) {
                if (dot) {
                  const wv = w.subarray(ws, ws + len);
                  acc += dot(wv, x.subarray(xs, xs + len)) + off * (c.sum as (a: Int8Array) => number)(wv);
                } else
                  for (let i = 0; i < len; i++) acc += ((x[xs + i] as number) + off) * (w[ws + i] as number);
                xs += dw * C;
                ws += C;
              }
            }
            acc = mbqm(acc | 0, g.m[k] as number, g.l[k] as number, g.r[k] as number) + g.yz;
            y[yo++] = acc < g.lo ? g.lo : acc > g.hi ? g.hi : acc;
          }
        }
      }
    }
  };
}
