/**
 * DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel), any depth multiplier M,
 * stride, dilation, SAME/VALID.
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3),
 * bias [C*M] int32 -> y [N,OH,OW,C*M] int8.
 *
 * Accumulator: KH*KW terms of |(x + off) * w| <= 32640 plus the bias; for KH*KW <= 32768
 * (any real kernel) the sum stays inside int32; `acc | 0` reproduces C's int32 wrap past that
 * (the JS sum is exact below 2^53).
 */
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import type { Ctx } from "../util.js";
import { geom } from "./window.js";

export function dwconv(c: Ctx, op: RtOp): Eval {
  const g = geom(c, op, true);
  return () => {
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
    const x = g.x;
    const w = g.w;
    const y = g.y;
    const xstep = dw * C;
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
          for (let k = 0; k < OC; k++) {
            // output channel k reads input channel k / M
            const ic = M === 1 ? k : (k / M) >> 0;
            let acc = g.b[k] as number;
            for (let ky = ky0; ky < ky1; ky++) {
              let xi = ((n * H + iy0 + ky * dh) * IW + ix0 + kx0 * dw) * C + ic;
              let wi = (ky * KW + kx0) * OC + k;
              for (let kx = kx0; kx < kx1; kx++) {
                acc += ((x[xi] as number) + off) * (w[wi] as number);
                xi += xstep;
                wi += OC;
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
