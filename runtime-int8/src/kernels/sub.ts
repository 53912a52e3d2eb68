/**
 * SUB, int8, with broadcasting (reference_ops::Sub / BroadcastQuantSubSlow, any rank): ADD's code
 * (add.ts) with the second term subtracted and TFLite Micro's float32 multiplier quotients.
 * Shapes: a [..] int8, b [..] int8 (each broadcastable against y) -> y [..] int8.
 */
import { Builtin } from "../builtin.js";
import type { Kernel } from "../types.js";
import { addOrSubtract } from "./add.js";

export const sub: Kernel = {
  code: Builtin.SUB,
  name: "SUB",
  prepare: (_context, op, inputs, outputs) => addOrSubtract(op, inputs, outputs, true),
};
