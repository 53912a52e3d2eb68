/**
 * PRELU, int8: x >= its zero point ? x : alpha x, alpha broadcast against x
 * (reference_ops::BroadcastPrelu4DSlow, any rank), multipliers as TFLite Micro's
 * CalculatePreluParams (double): sx / sy for x, sx * s_alpha / sy for the product.
 * Shapes: x [..] int8, alpha [..] int8 (broadcastable to x; a Keras PReLU's is a constant
 * [1, 1, C] or [C]) -> y [x's shape] int8.
 * Accumulator: (x - zx)(alpha - za) is at most 255 * 255 in magnitude: no int32 overflow.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { Activation, type Kernel, type RtTensor, TensorType } from "../types.js";
import { broadcastIndex } from "./broadcast_run.js";
import { requantization, requantize } from "./requantize.js";

export const prelu: Kernel = {
  code: Builtin.PRELU,
  name: "PRELU",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const A = inputs[1] as RtTensor;
    const Y = outputs[0] as RtTensor;
    check(A.type === TensorType.INT8, "alpha is not int8");
    check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
    const x = X.view as Int8Array;
    const alpha = A.view as Int8Array;
    const y = Y.view as Int8Array;
    const indexAlpha = broadcastIndex(A.shape, Y.shape);
    const xz = X.firstZeroPoint;
    const az = A.firstZeroPoint;
    // multiplier 0: x >= 0, 1: x * alpha
    const q = requantization(
      [X.firstScale / Y.firstScale, (X.firstScale * A.firstScale) / Y.firstScale],
      Activation.NONE,
      Y,
    );
    return () => {
      for (let i = Y.size; i--; ) {
        const v = (x[i] as number) - xz;
        y[i] = v >= 0 ? requantize(q, 0, v) : requantize(q, 1, v * ((alpha[indexAlpha(i)] as number) - az));
      }
    };
  },
};
