/**
 * CONV_2D, int8 (reference_integer_ops::ConvPerChannel): any stride, dilation, SAME/VALID, batch.
 * Shapes: x [N,H,W,C] int8, w [OC,KH,KW,C] int8 (per-channel scales on axis 0), bias [OC] int32
 * -> y [N,OH,OW,OC] int8. Accumulators: see dot_product.ts (KH*KW*C terms of at most 32640).
 * An add-on may take it (Fast.conv, or Fast.mm for a 1x1 stride-1 filter).
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { dotProductEval } from "./dot_product.js";
import { geometry, WindowKind } from "./window.js";

export const conv2d: Kernel = {
  code: Builtin.CONV_2D,
  name: "CONV_2D",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.CONV_2D);
    const fast = context.fast;
    // (positive integers, or padAxis rejected the op: a product of 1 means all are 1)
    const matmul = g.KH * g.KW * g.sh * g.sw === 1;
    return (fast && (matmul ? fast.mm(g) : fast.conv(g))) || dotProductEval(context, g, matmul);
  },
};
