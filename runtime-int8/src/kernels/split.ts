/**
 * SPLIT (TFLite Micro split.cc): axis int32 constant (input 0, one value, negative counts from the
 * end), x [d0..dk] int8 (input 1) -> num_splits outputs of equal size s along the axis,
 * y_i = x[.., i*s .. (i+1)*s - 1, ..]. Outputs keep x's quantization.
 * No arithmetic on values: one strided copy per output (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor } from "../types.js";
import { stridesOf } from "./layout.js";
import { constantInts, cut } from "./strided_copy.js";

export const split: Kernel = {
  code: Builtin.SPLIT,
  name: "SPLIT",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[1] as RtTensor;
    const rank = X.shape.length;
    const written = constantInts(inputs[0], "axis")[0] as number;
    const axis = written + (written < 0 ? rank : 0);
    check(axis >= 0 && axis < rank, "axis " + written + ", input rank " + rank);
    const part = X.shape.slice();
    const size = (part[axis] as number) / outputs.length;
    part[axis] = size;
    return cut(X, outputs, axis, size, part, stridesOf(X.shape));
  },
};
