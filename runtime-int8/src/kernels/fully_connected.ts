/**
 * FULLY_CONNECTED, int8 (reference_integer_ops::FullyConnected), per-tensor or per-channel, with a
 * weights zero point: run as a 1x1 conv over x [B,1,1,K] with w [OC,1,1,K].
 * Shapes: x [.., K] int8 (B*K values), w [OC, K] int8, bias [OC] int32 -> y [B, OC] int8.
 * Accumulators: K terms of |(x + off)(w + wz)| <= 255 * 255 (see dot_product.ts).
 * An add-on may take it (Fast.mm).
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { dotProductEval } from "./dot_product.js";
import { geometry, WindowKind } from "./window.js";

export const fullyConnected: Kernel = {
  code: Builtin.FULLY_CONNECTED,
  name: "FULLY_CONNECTED",
  prepare: (context, op, inputs, outputs) => {
    const g = geometry(op, inputs, outputs[0] as RtTensor, WindowKind.FULLY_CONNECTED);
    return (context.fast && context.fast.mm(g)) || dotProductEval(context, g, true);
  },
};
