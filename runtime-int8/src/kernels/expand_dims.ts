/**
 * EXPAND_DIMS (TFLite Micro expand_dims.cc): x [d0..dk], axis int32 constant (one value; negative
 * counts from the end of y's shape) -> y, x's shape with a 1 inserted at axis: the same values in
 * the same order, so the planner gives y x's buffer (aliasesInput) and the eval copies only when
 * they differ (as RESHAPE).
 */
import { Builtin } from "../builtin.js";
import type { Kernel, RtTensor } from "../types.js";
import { reshape } from "./reshape.js";
import { checkShape, constantInts } from "./strided_copy.js";

export const expandDims: Kernel = {
  code: Builtin.EXPAND_DIMS,
  name: "EXPAND_DIMS",
  prepare: (context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const written = constantInts(inputs[1], "axis")[0] as number;
    const want = X.shape.slice();
    want.splice(written < 0 ? written + want.length + 1 : written, 0, 1);
    checkShape(outputs[0] as RtTensor, want);
    return reshape.prepare(context, op, inputs, outputs);
  },
  aliasesInput: true,
};
