/**
 * QUANTIZE: float32 -> int8 (AffineQuantize: zero point + round(float(x / scale)), clamped; a
 * model's float input edge, the one float operation an eval does) or int8 -> int8 (Requantize:
 * MultiplyByQuantizedMultiplier(x - zp_in, in_scale / out_scale) + zp_out, clamped; |x - zp_in| < 2^8).
 * Shapes: x [..] -> y [..], same shape.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { fround, roundAway } from "../fixed.js";
import { Activation, type Kernel, type RtTensor, TensorType } from "../types.js";
import { clampToActivation, requantization, requantize } from "./requantize.js";

export const quantize: Kernel = {
  code: Builtin.QUANTIZE,
  name: "QUANTIZE",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array | Float32Array;
    const y = Y.view as Int8Array;
    check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
    const xz = X.firstZeroPoint;
    const scale = Y.firstScale;
    const q = requantization([X.firstScale / scale], Activation.NONE, Y);
    const fromFloat = X.type === TensorType.FLOAT32;
    return () => {
      for (let i = Y.size; i--; ) {
        const v = x[i] as number;
        y[i] = fromFloat
          ? clampToActivation(q, roundAway(fround(v / scale)) + q.yz)
          : requantize(q, 0, v - xz);
      }
    };
  },
  // a float32 input (the model's float edge)
  accepts: (tensor, isInput, j) => isInput && !j && tensor.type === TensorType.FLOAT32,
};
