/**
 * DEPTHWISE_CONV_2D, int8 (reference_integer_ops::DepthwiseConvPerChannel): any depth multiplier M,
 * stride, dilation, SAME/VALID, batch. Runs in place when the planner allows it (multiplier 1).
 * Shapes: x [N,H,W,C] int8, w [1,KH,KW,C*M] int8 (per-channel scales on axis 3), bias [C*M] int32
 * -> y [N,OH,OW,C*M] int8.
 * Accumulator: KH*KW terms of |(x + off) * w| <= 255 * 128 = 32640 plus the bias: below 2^31 for
 * any filter under 2^15 taps with |bias| < 2^30; `acc | 0` in requantize reproduces C's wrap past that.
 * An add-on may take it (Fast.dw, which reads all of x before writing y: in-place safe).
 */
import { Builtin } from "../builtin.js";
import type { Geom, Kernel, RtTensor } from "../types.js";
import { requantize } from "./requantize.js";
import { firstTap, geometry, WindowKind } from "./window.js";

export const depthwiseConv2d: Kernel = {
  code: Builtin.DEPTHWISE_CONV_2D,
  name: "DEPTHWISE_CONV_2D",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.DEPTHWISE_CONV_2D);
    const scratch = op.scratch;
    return (context.fast && context.fast.dw(g)) || (() => depthwise(g, scratch));
  },
  // multiplier 1 (so the output is no larger): each output channel is written only after that
  // channel of the input has been read in full (see depthwise), through one OH*OW plane of scratch
  inPlaceScratch: (input, output) =>
    output.shape[3] === input.shape[3] && output.size <= input.size
      ? (output.shape[1] as number) * (output.shape[2] as number)
      : -1,
};

/**
 * One output channel k at a time (reading input channel k / M). In place (scratch given: y shares
 * x's bytes, M = 1), the channel's OH*OW outputs go to the plane `scratch` first and are copied to
 * y after: output channel k overwrites only channel k of x, whose last read is before the copy
 * (NHWC: element (p, k) of x and y is byte p*C + k of both).
 */
function depthwise(g: Geom, scratch: Int8Array | undefined): void {
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
          let acc = g.b[k] as number;
          // taps inside the image only
          for (let ky = firstTap(iy0, g.dh); ky < KH; ky++) {
            const iy = iy0 + ky * g.dh;
            if (iy >= g.H) break;
            for (let kx = firstTap(ix0, g.dw); kx < KW; kx++) {
              const ix = ix0 + kx * g.dw;
              if (ix >= g.IW) break;
              const v = x[((n * g.H + iy) * g.IW + ix) * C + ic] as number;
              acc += (v + off) * (w[(ky * KW + kx) * OC + k] as number);
            }
          }
          const out = requantize(g, k, acc);
          if (scratch) scratch[oy * OW + ox] = out;
          else y[(n * P + oy * OW + ox) * OC + k] = out;
        }
      if (scratch) for (let i = P; i--; ) y[(n * P + i) * OC + k] = scratch[i] as number;
    }
}
