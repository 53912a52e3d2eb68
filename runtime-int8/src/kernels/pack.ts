/**
 * PACK (TFLite Micro pack.cc): values_count inputs x_i [d0..dk] (int8 sharing y's quantization, or
 * int32, folded at load) -> y with a new axis of size values_count at `axis` (negative counts from
 * the end of y's shape): y[.., i, ..] = x_i[..].
 * No arithmetic on values: each input one strided copy into y (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int32Option } from "../parse.js";
import { type Kernel, type RtTensor, TensorType } from "../types.js";
import { stridesOf } from "./layout.js";
import { copyBlock, foldInt32 } from "./strided_copy.js";

/** PackOptions fields. */
enum Options {
  VALUES_COUNT = 0,
  AXIS = 1,
}

export const pack: Kernel = {
  code: Builtin.PACK,
  name: "PACK",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const y = Y.view as Int8Array;
    const count = inputs.length;
    const rank = Y.shape.length;
    check(
      int32Option(op.options, Options.VALUES_COUNT) === count,
      "values_count " + int32Option(op.options, Options.VALUES_COUNT) + ", " + count + " inputs",
    );
    let axis = int32Option(op.options, Options.AXIS);
    if (axis < 0) axis += rank;
    check(
      axis >= 0 && axis < rank,
      "axis " + int32Option(op.options, Options.AXIS) + ", output rank " + rank,
    );
    const want = X.shape.slice();
    want.splice(axis, 0, count);
    check(want.join() === Y.shape.join(), "output shape [" + Y.shape + "], the inputs give [" + want + "]");
    inputs.forEach((T) => {
      check(
        T.shape.join() === X.shape.join() && T.type === Y.type,
        "the inputs differ in shape or type from input 0 and the output",
      );
      check(
        Y.type !== TensorType.INT8 ||
          (T.firstZeroPoint === Y.firstZeroPoint && T.firstScale === Y.firstScale),
        "the inputs must share the output's quantization",
      );
    });
    const yStrides = stridesOf(Y.shape);
    // y's strides over an input's dims (the new axis left out), and where input i starts
    const into = yStrides.slice();
    into.splice(axis, 1);
    const xStrides = stridesOf(X.shape);
    const views = inputs.map((T) => T.view as Int8Array);
    return () => {
      if (X.size)
        for (let i = count; i--; )
          copyBlock(views[i] as Int8Array, 0, xStrides, y, i * (yStrides[axis] as number), into, X.shape);
    };
  },
  fold: (op, inputs, outputs) => foldInt32(pack, op, inputs, outputs),
};
