/**
 * HARD_SWISH, int8: x * relu6(x + 3) / 6 in TFLite Micro's int16 fixed point
 * (reference_ops::HardSwish), folded into a 256-entry table at prepare (lookup_table.ts).
 * Shapes: x [..] int8 -> y [x's shape] int8. The int16 intermediates are bounded by
 * 128 * 255 < 2^15 (see hardSwishTable); nothing accumulates.
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { hardSwishTable, lookupEval } from "./lookup_table.js";

export const hardSwish: Kernel = {
  code: Builtin.HARD_SWISH,
  name: "HARD_SWISH",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    return lookupEval(X, Y, hardSwishTable(X.firstScale, X.firstZeroPoint, Y.firstScale, Y.firstZeroPoint));
  },
};
