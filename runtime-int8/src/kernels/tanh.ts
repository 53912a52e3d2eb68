/**
 * TANH, int8, as TFLite Micro computes it (reference_integer_ops::Tanh: the input rescaled to Q4.27
 * within a range radius, gemmlowp's fixed-point tanh), folded into a 256-entry table at prepare
 * (lookup_table.ts). Output quantization (1/128, 0), as TFLite requires (TFLite Micro's kernel
 * assumes it). Shapes: x [..] int8 -> y [x's shape] int8. Bounds as LOGISTIC's.
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { sigmoidEval } from "./lookup_table.js";

export const tanh: Kernel = {
  code: Builtin.TANH,
  name: "TANH",
  prepare: (_context, _op, inputs, outputs) =>
    sigmoidEval(inputs[0] as RtTensor, outputs[0] as RtTensor, true),
};
