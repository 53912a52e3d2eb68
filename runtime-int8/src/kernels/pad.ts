/**
 * PAD, int8 (reference_ops::Pad): x [d0..dk] -> y [d0+p0a+p0b, ..]; the padding value is the
 * output zero point. paddings: int32 [rank, 2] constant. No arithmetic.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor, View } from "../types.js";
import { place, stridesOf } from "./layout.js";

export const pad: Kernel = {
  code: Builtin.PAD,
  name: "PAD",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const y = Y.view as Int8Array;
    const paddings = (inputs[1] as RtTensor).view as View;
    const rank = Y.shape.length;
    const yStrides = stridesOf(Y.shape);
    check(paddings.length === 2 * rank, "paddings has " + paddings.length + " values, output rank " + rank);
    check(X.shape.length === rank, "input rank " + X.shape.length + ", output rank " + rank);
    // where x[0, .., 0] goes: the padding before, along every dim
    let base = 0;
    for (let d = rank; d--; ) base += (yStrides[d] as number) * (paddings[2 * d] as number);
    return () => {
      for (let i = Y.size; i--; ) y[i] = Y.firstZeroPoint;
      place(y, base, yStrides, X);
    };
  },
};
