/**
 * LEAKY_RELU, int8: x >= 0 ? x : alpha x, each side requantized to the output
 * (reference_ops::QuantizeLeakyRelu with TFLite Micro's float32 multipliers), folded into a
 * 256-entry table at prepare (lookup_table.ts). Shapes: x [..] int8 -> y [x's shape] int8.
 * |x - zero point| <= 255 before one MultiplyByQuantizedMultiplier: no int32 overflow.
 */
import { Builtin } from "../builtin.js";
import { float32Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { leakyReluTable, lookupEval } from "./lookup_table.js";

/** Field number of LeakyReluOptions.alpha. */
enum LeakyReluOptions {
  ALPHA = 0,
}

export const leakyRelu: Kernel = {
  code: Builtin.LEAKY_RELU,
  name: "LEAKY_RELU",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const alpha = float32Option(op.options, LeakyReluOptions.ALPHA);
    return lookupEval(
      X,
      Y,
      leakyReluTable(X.firstScale, X.firstZeroPoint, Y.firstScale, Y.firstZeroPoint, alpha),
    );
  },
};
