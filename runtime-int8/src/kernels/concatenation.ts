/**
 * CONCATENATION, int8 (reference_ops::Concatenation), along any axis; the inputs must share the
 * output's quantization. Shapes: x_i [.., a_i, ..] -> y [.., sum a_i, ..]. No arithmetic.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int32Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { place, stridesOf } from "./layout.js";

/** ConcatenationOptions field 0: axis. */
const AXIS = 0;

export const concatenation: Kernel = {
  code: Builtin.CONCATENATION,
  name: "CONCATENATION",
  prepare: (_context, op, inputs, outputs) => {
    const Y = outputs[0] as RtTensor;
    const y = Y.view as Int8Array;
    const rank = Y.shape.length;
    const yStrides = stridesOf(Y.shape);
    let axis = int32Option(op.options, AXIS);
    if (axis < 0) axis += rank;
    inputs.forEach((X) => {
      check(
        X.shape.length === rank && X.firstZeroPoint === Y.firstZeroPoint && X.firstScale === Y.firstScale,
        "inputs differ from the output in rank or quantization",
      );
    });
    return () => {
      // each input at its offset along the axis: the sizes of the inputs before it
      let base = 0;
      inputs.forEach((X) => {
        place(y, base, yStrides, X);
        base += (X.shape[axis] as number) * (yStrides[axis] as number);
      });
    };
  },
};
