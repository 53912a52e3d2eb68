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
import { constantInts, copyBlock } from "./strided_copy.js";

export const split: Kernel = {
  code: Builtin.SPLIT,
  name: "SPLIT",
  prepare: (_context, _op, inputs, outputs) => {
    const written = constantInts(inputs[0], "axis");
    const X = inputs[1] as RtTensor;
    const x = X.view as Int8Array;
    const rank = X.shape.length;
    check(written.length === 1, "axis has " + written.length + " values, not 1");
    let axis = written[0] as number;
    if (axis < 0) axis += rank;
    check(axis >= 0 && axis < rank, "axis " + written[0] + ", input rank " + rank);
    const count = outputs.length;
    const part = X.shape.slice();
    const size = (part[axis] as number) / count;
    part[axis] = size;
    outputs.forEach((Y) => {
      check(
        Y.shape.join() === part.join(),
        "output shape [" + Y.shape + "], " + count + " equal parts of [" + X.shape + "] are [" + part + "]",
      );
    });
    const xStrides = stridesOf(X.shape);
    const yStrides = stridesOf(part);
    const views = outputs.map((Y) => Y.view as Int8Array);
    return () => {
      if (X.size)
        for (let i = count; i--; )
          copyBlock(
            x,
            i * size * (xStrides[axis] as number),
            xStrides,
            views[i] as Int8Array,
            0,
            yStrides,
            part,
          );
    };
  },
};
