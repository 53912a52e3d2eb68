/**
 * TANH, int8, as TFLite Micro computes it (reference_integer_ops::Tanh: the input rescaled to Q4.27
 * within a range radius, gemmlowp's fixed-point tanh), folded into a 256-entry table at prepare
 * (lookup_table.ts). Output quantization (1/128, 0), as TFLite requires (TFLite Micro's kernel
 * assumes it). Shapes: x [..] int8 -> y [x's shape] int8. Bounds as LOGISTIC's.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor } from "../types.js";
import { lookupEval, sigmoidTable } from "./lookup_table.js";

export const tanh: Kernel = {
  code: Builtin.TANH,
  name: "TANH",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    check(
      Y.firstScale === 1 / 128 && Y.firstZeroPoint === 0,
      "output quantization (" + Y.firstScale + ", " + Y.firstZeroPoint + "), must be (1/128, 0)",
    );
    return lookupEval(X, Y, sigmoidTable(X.firstScale, X.firstZeroPoint, true));
  },
};
