/**
 * MUL, int8, with broadcasting (reference_integer_ops::Mul and BroadcastMul4DSlow's semantics, any rank).
 * Shapes: a [..] int8, b [..] int8 (each broadcastable against y) -> y [..] int8.
 * Accumulator: (a + offA) * (b + offB) is at most 2^16 in magnitude.
 */
import { Builtin } from "../builtin.js";
import { fround } from "../fixed.js";
import { int8Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { broadcastStrides, ElementwiseOptions, offsetOf } from "./broadcast.js";
import { requantization, requantize } from "./requantize.js";

export const mul: Kernel = {
  code: Builtin.MUL,
  name: "MUL",
  prepare: (_context, op, inputs, outputs) => {
    const A = inputs[0] as RtTensor;
    const B = inputs[1] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const a = A.view as Int8Array;
    const b = B.view as Int8Array;
    const y = Y.view as Int8Array;
    const shape = Y.shape;
    const stridesA = broadcastStrides(A.shape, shape);
    const stridesB = broadcastStrides(B.shape, shape);
    // (float arithmetic, as the reference's multiplier)
    const q = requantization(
      [fround(fround(A.firstScale * B.firstScale) / Y.firstScale)],
      int8Option(op.options, ElementwiseOptions.FUSED_ACTIVATION),
      Y,
    );
    return () => {
      for (let i = Y.size; i--; ) {
        const va = (a[offsetOf(i, shape, stridesA)] as number) - A.firstZeroPoint;
        const vb = (b[offsetOf(i, shape, stridesB)] as number) - B.firstZeroPoint;
        y[i] = requantize(q, 0, va * vb);
      }
    };
  },
};
