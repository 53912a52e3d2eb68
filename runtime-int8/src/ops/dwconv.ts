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
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import type { Ctx } from "../util.js";
import { geom } from "./window.js";

export function dwconv(c: Ctx, op: RtOp): Eval {
  const g = geom(c, op, true);
  const acc = new Int32Array(g.OC);
  return () => {
    const H = g.H;
    const IW = g.IW;
    const C = g.C;
    const OC = g.OC;
    const M = (OC / C) >> 0;
    const off = g.off;
    const x = g.x;
    const w = g.w;
    const y = g.y;
    let yo = 0;
    for (let n = 0; n < g.N; n++) {
      for (let oy = 0; oy < g.OH; oy++) {
        const iy0 = oy * g.sh - g.ph;
        for (let ox = 0; ox < g.OW; ox++) {
          const ix0 = ox * g.sw - g.pw;
          acc.set(g.b);
          for (let ky = 0; ky < g.KH; ky++) {
            const iy = iy0 + ky * g.dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < g.KW; kx++) {
              const ix = ix0 + kx * g.dw;
              if (ix < 0 || ix >= IW) continue;
              const xs = ((n * H + iy) * IW + ix) * C;
              const ws = (ky * g.KW + kx) * OC;
              for (let i = 0; i < C; i++) {
                const v = (x[xs + i] as number) + off;
                for (let j = i * M; j < i * M + M; j++)
                  acc[j] = (acc[j] as number) + v * (w[ws + j] as number);
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
  };
}
