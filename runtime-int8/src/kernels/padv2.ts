/**
 * PADV2 (TFLite Micro pad.cc, the kernel it registers for PAD and PADV2): x [d0..dk] int8,
 * paddings int32 constant [k+1, 2], constant_values int8 (input 2: one value in y's quantization;
 * absent: y's zero point) -> y [d0 + before0 + after0, ..]: the padding value everywhere, x copied
 * in at the `before` offsets. No arithmetic on values (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor } from "../types.js";
import { stridesOf } from "./layout.js";
import { checkShape, constantInts, copyBlock } from "./strided_copy.js";

export const padv2: Kernel = {
  code: Builtin.PADV2,
  name: "PADV2",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const paddings = constantInts(inputs[1], "paddings");
    const C = inputs[2];
    check(
      !C ||
        (!!C.data && C.size === 1 && C.firstZeroPoint === Y.firstZeroPoint && C.firstScale === Y.firstScale),
      "constant_values must be one constant value in the output's quantization",
    );
    const value = C ? ((C.view as Int8Array)[0] as number) : Y.firstZeroPoint;
    check(
      paddings.length === 2 * X.shape.length,
      "paddings has " + paddings.length + " values, input rank " + X.shape.length,
    );
    // y's shape, and where x[0, .., 0] goes: the padding before, along every dim
    const yStrides = stridesOf(Y.shape);
    const want: number[] = [];
    let base = 0;
    X.shape.forEach((n, d) => {
      const before = paddings[2 * d] as number;
      const after = paddings[2 * d + 1] as number;
      check(before >= 0 && after >= 0, "negative paddings");
      want.push(n + before + after);
      base += before * ((yStrides[d] as number) || 0);
    });
    checkShape(Y, want);
    const xStrides = stridesOf(X.shape);
    return () => {
      for (let i = Y.size; i--; ) y[i] = value;
      if (X.size) copyBlock(x, 0, xStrides, y, base, yStrides, X.shape);
    };
  },
};
