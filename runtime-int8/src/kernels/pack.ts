/**
 * PACK (TFLite Micro pack.cc): values_count inputs x_i [d0..dk] (int8 sharing y's quantization, or
 * int32, folded at load) -> y with a new axis of size values_count at `axis` (negative counts from
 * the end of y's shape): y[.., i, ..] = x_i[..].
 * No arithmetic on values: each input one strided copy into y (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int32Option } from "../parse.js";
import type { Kernel, RtTensor, View } from "../types.js";
import { stridesOf } from "./layout.js";
import { checkShape, copyBlock, foldInt32 } from "./strided_copy.js";

/** PackOptions field 1: axis (field 0, values_count, is the input count). */
const AXIS = 1;

export const pack: Kernel = {
  code: Builtin.PACK,
  name: "PACK",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const y = Y.view as View;
    const rank = Y.shape.length;
    const axis = int32Option(op.options, AXIS) + (int32Option(op.options, AXIS) < 0 ? rank : 0);
    const want = X.shape.slice();
    want.splice(axis, 0, inputs.length);
    checkShape(Y, want);
    inputs.forEach((T) => {
      check(
        T.shape.join() === X.shape.join() &&
          T.firstZeroPoint === Y.firstZeroPoint &&
          T.firstScale === Y.firstScale,
        "inputs differ in shape or quantization",
      );
    });
    // input i goes to y at i along the axis, over y's strides without the axis
    const yStrides = stridesOf(Y.shape);
    const step = yStrides[axis] as number;
    const xStrides = stridesOf(X.shape);
    yStrides.splice(axis, 1);
    return () => {
      if (X.size)
        inputs.forEach((T, i) => {
          copyBlock(T.view as View, 0, xStrides, y, i * step, yStrides, X.shape);
        });
    };
  },
  fold: (op, inputs, outputs) => foldInt32(pack, op, inputs, outputs),
};
