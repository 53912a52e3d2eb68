/**
 * DEQUANTIZE: int8 -> float32, y = float(scale * (x - zp)): a model's float output edge (the one
 * float operation an eval does). Shapes: x [..] -> y [..], same shape.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { type Kernel, type RtTensor, TensorType } from "../types.js";

export const dequantize: Kernel = {
  code: Builtin.DEQUANTIZE,
  name: "DEQUANTIZE",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Float32Array;
    check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
    const xz = X.firstZeroPoint;
    const scale = X.firstScale;
    return () => {
      for (let i = Y.size; i--; ) y[i] = scale * ((x[i] as number) - xz);
    };
  },
  // a float32 output (the model's float edge)
  accepts: (tensor, isInput) => !isInput && tensor.type === TensorType.FLOAT32,
};
