/**
 * LOGISTIC, int8: 1 / (1 + exp(-x)) as TFLite Micro computes it (reference_integer_ops::Logistic:
 * the input rescaled to Q4.27 within a range radius, gemmlowp's fixed-point logistic), folded into
 * a 256-entry table at prepare (lookup_table.ts). Output quantization (1/256, -128), as TFLite
 * requires. Shapes: x [..] int8 -> y [x's shape] int8. The Q4.27 input stays below 15 * 2^27
 * (the radius), and every fixed-point step is an int32 SaturatingRoundingDoublingHighMul.
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { sigmoidEval } from "./lookup_table.js";

export const logistic: Kernel = {
  code: Builtin.LOGISTIC,
  name: "LOGISTIC",
  prepare: (_context, _op, inputs, outputs) =>
    sigmoidEval(inputs[0] as RtTensor, outputs[0] as RtTensor, false),
};
