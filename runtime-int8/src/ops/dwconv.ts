/**
 * DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel), any depth multiplier M,
 * stride, dilation, SAME/VALID.
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3),
 * bias [C*M] int32 -> y [N,OH,OW,C*M] int8.
 *
 * Accumulator: KH*KW terms of |(x + off) * w| <= 32640 plus the bias; for KH*KW <= 32768
 * (any real kernel) the sum stays inside int32; `a | 0` reproduces C's int32 wrap past that (the
 * JS sum is exact below 2^53).
 */
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import type { Ctx } from "../util.js";
import { type Geom, geom } from "./window.js";

export function dwconv(c: Ctx, op: RtOp): Eval {
  const g = geom(c, op, true);
  const h = c.h && c.h.dw(g);
  if (h) return h;
  const tmp = op.tmp;
  return () => dw(g, tmp);
}

/**
 * The plain kernel (Espruino), one output channel k at a time (it reads input channel k / M).
 * In place (tmp given; y shares x's bytes, M = 1) the channel's OH*OW outputs go to the plane
 * `tmp` first and are copied to y after: output channel k overwrites only channel k of x, whose
 * last read is before the copy (NHWC: element (p, k) of x and y is byte p*C + k of both).
 */
function dw(g: Geom, tmp: Int8Array | undefined): void {
  const C = g.C;
  const OC = g.OC;
  const M = (OC / C) >> 0;
  const OW = g.OW;
  const P = g.OH * OW;
  const x = g.x;
  const w = g.w;
  const y = g.y;
  for (let n = 0; n < g.N; n++)
    for (let k = 0; k < OC; k++) {
      const ic = (k / M) >> 0;
      for (let oy = 0; oy < g.OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let a = g.b[k] as number;
          for (let ky = 0; ky < g.KH; ky++) {
            const iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.H) continue;
            for (let kx = 0; kx < g.KW; kx++) {
              const ix = ox * g.sw - g.pw + kx * g.dw;
              if (ix < 0 || ix >= g.IW) continue;
              a +=
                ((x[((n * g.H + iy) * g.IW + ix) * C + ic] as number) + g.off) *
                (w[(ky * g.KW + kx) * OC + k] as number);
            }
          }
          a = mbqm(a | 0, g.m[k] as number, g.l[k] as number, g.r[k] as number) + g.yz;
          a = a < g.lo ? g.lo : a > g.hi ? g.hi : a;
          if (tmp) tmp[oy * OW + ox] = a;
          else y[(n * P + oy * OW + ox) * OC + k] = a;
        }
      if (tmp) for (let i = 0; i < P; i++) y[(n * P + i) * OC + k] = tmp[i] as number;
    }
}
