/**
 * ADD, int8, with broadcasting (reference_integer_ops::Add and BroadcastAdd4DSlow's semantics, any rank).
 * Shapes: a [..] int8, b [..] int8 (each broadcastable against y) -> y [..] int8.
 * Accumulators: ((a + offA) << 20) stays below 2^28; each side is scaled by a multiplier < 1, the
 * sum of the two by the output multiplier (AddElementwise): no intermediate can overflow int32.
 */
import { Builtin } from "../builtin.js";
import { M } from "../fixed.js";
import { int8Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { broadcastStrides, ElementwiseOptions, offsetOf } from "./broadcast.js";
import { mq, requantization, requantize } from "./requantize.js";

/** The left shift both inputs get before scaling (TFLite's left_shift for int8 ADD). */
const LEFT_SHIFT = 20;

export const add: Kernel = {
  code: Builtin.ADD,
  name: "ADD",
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
    const twice = 2 * M.max(A.firstScale, B.firstScale);
    // multipliers 0 and 1 scale a and b, 2 the sum
    const q = requantization(
      [A.firstScale / twice, B.firstScale / twice, twice / ((1 << LEFT_SHIFT) * Y.firstScale)],
      int8Option(op.options, ElementwiseOptions.FUSED_ACTIVATION),
      Y,
    );
    return () => {
      for (let i = Y.size; i--; ) {
        const va = (a[offsetOf(i, shape, stridesA)] as number) - A.firstZeroPoint;
        const vb = (b[offsetOf(i, shape, stridesB)] as number) - B.firstZeroPoint;
        y[i] = requantize(q, 2, mq(q, 0, va << LEFT_SHIFT) + mq(q, 1, vb << LEFT_SHIFT));
      }
    };
  },
};
