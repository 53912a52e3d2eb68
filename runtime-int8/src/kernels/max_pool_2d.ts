/**
 * MAX_POOL_2D, int8 (reference_integer_ops::MaxPool): any filter, stride, SAME/VALID.
 * Shapes: x [N,H,W,C] int8 -> y [N,OH,OW,C] int8, same quantization. No accumulator (a maximum).
 */
import { Builtin } from "../builtin.js";
import type { Geom, Kernel, RtTensor } from "../types.js";
import { clampToActivation } from "./requantize.js";
import { firstTap, geometry, WindowKind } from "./window.js";

export const maxPool2d: Kernel = {
  code: Builtin.MAX_POOL_2D,
  name: "MAX_POOL_2D",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.MAX_POOL_2D);
    const fast = context.fast;
    return (fast && fast.pool && fast.pool(g, true)) || (() => maxPool(g));
  },
};

function maxPool(g: Geom): void {
  const C = g.C;
  const OW = g.OW;
  const P = g.OH * OW;
  const x = g.x;
  const y = g.y;
  for (let n = 0; n < g.N; n++)
    for (let k = C; k--; )
      for (let oy = g.OH; oy--; )
        for (let ox = OW; ox--; ) {
          const iy0 = oy * g.sh - g.ph;
          const ix0 = ox * g.sw - g.pw;
          let max = -128;
          // taps inside the image only (the window may be far larger than the image)
          for (let ky = firstTap(iy0, 1); ky < g.KH; ky++) {
            const iy = iy0 + ky;
            if (iy >= g.H) break;
            for (let kx = firstTap(ix0, 1); kx < g.KW; kx++) {
              const ix = ix0 + kx;
              if (ix >= g.IW) break;
              const v = x[((n * g.H + iy) * g.IW + ix) * C + k] as number;
              if (v > max) max = v;
            }
          }
          y[(n * P + oy * OW + ox) * C + k] = clampToActivation(g, max);
        }
}
