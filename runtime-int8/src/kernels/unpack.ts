/**
 * UNPACK (TFLite Micro unpack.cc): x [d0..dk] int8 -> num outputs y_i (x's shape without `axis`;
 * negative counts from the end), y_i[..] = x[.., i, ..]. Outputs keep x's quantization.
 * No arithmetic on values: one strided copy per output (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int32Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { stridesOf } from "./layout.js";
import { cut } from "./strided_copy.js";

/** UnpackOptions field 1: axis (field 0, num, is the output count). */
const AXIS = 1;

export const unpack: Kernel = {
  code: Builtin.UNPACK,
  name: "UNPACK",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const rank = X.shape.length;
    const axis = int32Option(op.options, AXIS) + (int32Option(op.options, AXIS) < 0 ? rank : 0);
    check(
      axis >= 0 && axis < rank && outputs.length === X.shape[axis],
      outputs.length + " outputs, input [" + X.shape + "], axis " + axis,
    );
    // an output's shape and x's strides over it: x's without the axis
    const part = X.shape.slice();
    const from = stridesOf(X.shape);
    part.splice(axis, 1);
    from.splice(axis, 1);
    return cut(X, outputs, axis, 1, part, from);
  },
};
