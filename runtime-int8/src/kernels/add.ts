/**
 * ADD, int8, with broadcasting (reference_integer_ops::Add and BroadcastAdd4DSlow's semantics, any
 * rank); SUB (sub.ts) is the same code with the second term subtracted.
 * Shapes: a [..] int8, b [..] int8 (each broadcastable against y) -> y [..] int8.
 * Accumulators: ((a + offA) << 20) stays below 2^28; each side is scaled by a multiplier < 1, the
 * sum (difference) of the two by the output multiplier (AddElementwise / SubElementwise): no
 * intermediate can overflow int32.
 */
import { Builtin } from "../builtin.js";
import { fround, M } from "../fixed.js";
import { int8Option } from "../parse.js";
import type { Eval, Kernel, RtOp, RtTensor } from "../types.js";
import { ElementwiseOptions } from "./broadcast.js";
import { broadcastIndex } from "./broadcast_run.js";
import { mq, requantization, requantize } from "./requantize.js";

/** The left shift both inputs get before scaling (TFLite's left_shift for int8 ADD and SUB). */
const LEFT_SHIFT = 20;

/**
 * ADD (subtract false) or SUB (true). The multipliers as TFLite Micro's Prepare computes them:
 * ADD's quotients in double (add_common.cc), SUB's in float32 (sub_common.cc), which can round a
 * multiplier differently (test/runtime/tflm-math-ops.test.ts has values where it shows).
 */
export function addOrSubtract(op: RtOp, inputs: RtTensor[], outputs: RtTensor[], subtract: boolean): Eval {
  const A = inputs[0] as RtTensor;
  const B = inputs[1] as RtTensor;
  const Y = outputs[0] as RtTensor;
  const a = A.view as Int8Array;
  const b = B.view as Int8Array;
  const y = Y.view as Int8Array;
  const indexA = broadcastIndex(A.shape, Y.shape);
  const indexB = broadcastIndex(B.shape, Y.shape);
  const twice = 2 * M.max(A.firstScale, B.firstScale);
  const quotient = (n: number, d: number) => (subtract ? fround(n / d) : n / d);
  // multipliers 0 and 1 scale a and b, 2 the sum
  const q = requantization(
    [
      quotient(A.firstScale, twice),
      quotient(B.firstScale, twice),
      quotient(twice, (1 << LEFT_SHIFT) * Y.firstScale),
    ],
    int8Option(op.options, ElementwiseOptions.FUSED_ACTIVATION),
    Y,
  );
  const sign = subtract ? -1 : 1;
  return () => {
    for (let i = Y.size; i--; ) {
      const va = (a[indexA(i)] as number) - A.firstZeroPoint;
      const vb = (b[indexB(i)] as number) - B.firstZeroPoint;
      y[i] = requantize(q, 2, mq(q, 0, va << LEFT_SHIFT) + sign * mq(q, 1, vb << LEFT_SHIFT));
    }
  };
}

export const add: Kernel = {
  code: Builtin.ADD,
  name: "ADD",
  prepare: (_context, op, inputs, outputs) => addOrSubtract(op, inputs, outputs, false),
};
