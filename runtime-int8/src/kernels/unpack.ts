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
import { copyBlock } from "./strided_copy.js";

/** UnpackOptions fields. */
enum Options {
  NUM = 0,
  AXIS = 1,
}

export const unpack: Kernel = {
  code: Builtin.UNPACK,
  name: "UNPACK",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const rank = X.shape.length;
    let axis = int32Option(op.options, Options.AXIS);
    if (axis < 0) axis += rank;
    check(axis >= 0 && axis < rank, "axis " + int32Option(op.options, Options.AXIS) + ", input rank " + rank);
    const count = X.shape[axis] as number;
    check(
      outputs.length === count && int32Option(op.options, Options.NUM) === count,
      "num " + int32Option(op.options, Options.NUM) + ", " + outputs.length + " outputs, axis size " + count,
    );
    const part = X.shape.slice();
    part.splice(axis, 1);
    outputs.forEach((Y) => {
      check(Y.shape.join() === part.join(), "output shape [" + Y.shape + "], expected [" + part + "]");
    });
    const xStrides = stridesOf(X.shape);
    // x's strides over an output's dims (the axis left out)
    const from = xStrides.slice();
    from.splice(axis, 1);
    const yStrides = stridesOf(part);
    const views = outputs.map((Y) => Y.view as Int8Array);
    return () => {
      if (X.size)
        for (let i = count; i--; )
          copyBlock(x, i * (xStrides[axis] as number), from, views[i] as Int8Array, 0, yStrides, part);
    };
  },
};
