/**
 * PADV2 (TFLite Micro pad.cc, the kernel it registers for PAD and PADV2): x [d0..dk] int8,
 * paddings int32 constant [k+1, 2], constant_values int8 (input 2: one value in y's quantization;
 * absent: y's zero point) -> y [d0 + before0 + after0, ..]: the padding value everywhere, x copied
 * in at the `before` offsets. No arithmetic on values (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { type Kernel, type RtTensor, TensorType } from "../types.js";
import { stridesOf } from "./layout.js";
import { constantInts, copyBlock } from "./strided_copy.js";

export const padv2: Kernel = {
  code: Builtin.PADV2,
  name: "PADV2",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const paddings = constantInts(inputs[1], "paddings");
    const rank = X.shape.length;
    check(
      paddings.length === 2 * rank && Y.shape.length === rank,
      "paddings has " + paddings.length + " values, input rank " + rank,
    );
    const C = inputs[2];
    let value = Y.firstZeroPoint;
    if (C) {
      check(
        !!C.data && C.type === TensorType.INT8 && C.size === 1,
        "constant_values must be one constant int8 value",
      );
      check(
        C.firstZeroPoint === Y.firstZeroPoint && C.firstScale === Y.firstScale,
        "constant_values must share the output's quantization",
      );
      value = (C.view as Int8Array)[0] as number;
    }
    const yStrides = stridesOf(Y.shape);
    // where x[0, .., 0] goes: the padding before, along every dim
    let base = 0;
    for (let d = rank; d--; ) {
      const before = paddings[2 * d] as number;
      const after = paddings[2 * d + 1] as number;
      check(
        before >= 0 && after >= 0 && Y.shape[d] === (X.shape[d] as number) + before + after,
        "output dim " +
          d +
          " is " +
          Y.shape[d] +
          ", input " +
          X.shape[d] +
          " + paddings " +
          before +
          ", " +
          after,
      );
      base += before * (yStrides[d] as number);
    }
    const xStrides = stridesOf(X.shape);
    return () => {
      for (let i = Y.size; i--; ) y[i] = value;
      if (X.size) copyBlock(x, 0, xStrides, y, base, yStrides, X.shape);
    };
  },
};
