/**
 * AVERAGE_POOL_2D, int8 (reference_integer_ops::AveragePool): any filter, stride, SAME/VALID.
 * Shapes: x [N,H,W,C] int8 -> y [N,OH,OW,C] int8, same quantization.
 * Accumulator: at most FH*FW int8 values (|sum| < 2^31 for any window under 2^24 taps), then
 * (sum +- count/2) / count truncated toward zero, as C's integer division; count = the taps inside
 * the image.
 */
import { Builtin } from "../builtin.js";
import type { EspruinoNatives, Eval, Geom, Kernel, RtTensor } from "../types.js";
import { clampToActivation, roundedDivide, subarrays } from "./requantize.js";
import { firstTap, geometry, WindowKind } from "./window.js";

export const averagePool2d: Kernel = {
  code: Builtin.AVERAGE_POOL_2D,
  name: "AVERAGE_POOL_2D",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.AVERAGE_POOL_2D);
    const fast = context.fast;
    const taken = fast && fast.pool && fast.pool(g, false);
    if (taken) return taken;
    const e = context.espruino;
    // a global pool (one window, the whole image) on Espruino: one E.convolve per channel
    if (e && g.OH * g.OW === 1 && g.KH === g.H && g.KW === g.IW && subarrays(g.x))
      return espruinoGlobalPool(e, g);
    return () => averagePool(g);
  },
};

function averagePool(g: Geom): void {
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
          let sum = 0;
          let count = 0;
          // taps inside the image only (the window may be far larger than the image)
          for (let ky = firstTap(iy0, 1); ky < g.KH; ky++) {
            const iy = iy0 + ky;
            if (iy >= g.H) break;
            for (let kx = firstTap(ix0, 1); kx < g.KW; kx++) {
              const ix = ix0 + kx;
              if (ix >= g.IW) break;
              sum += x[((n * g.H + iy) * g.IW + ix) * C + k] as number;
              count++;
            }
          }
          y[(n * P + oy * OW + ox) * C + k] = clampToActivation(g, roundedDivide(sum, count));
        }
}

/**
 * A global AVERAGE_POOL_2D on Espruino (same bytes): channel c's sum over all H*W taps is one
 * E.convolve of a filter of ones at stride C with x from element c, then the same rounded division.
 */
function espruinoGlobalPool(e: EspruinoNatives, g: Geom): Eval {
  const C = g.C;
  const P = g.H * g.IW;
  const ones = new Int8Array((P - 1) * C + 1);
  for (let i = P; i--; ) ones[i * C] = 1;
  return () => {
    for (let n = g.N; n--; ) {
      const image = g.x.subarray(n * P * C, n * P * C + P * C);
      for (let c = C; c--; )
        g.y[n * C + c] = clampToActivation(g, roundedDivide(e.convolve(ones, image, c), P));
    }
  };
}
