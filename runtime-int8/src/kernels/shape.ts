/**
 * SHAPE (TFLite Micro shape.cc): x [d0..dk] (any type) -> y int32 [k+1], y = x's dims. Shapes are
 * static, so it is always folded at load: y becomes a constant, the op takes no arena and no eval
 * (out_type int64 is refused, as TFLite Micro does).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { type Kernel, type RtTensor, TensorType } from "../types.js";
import { checkShape, foldInt32 } from "./strided_copy.js";

export const shape: Kernel = {
  code: Builtin.SHAPE,
  name: "SHAPE",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    checkShape(Y, [X.shape.length]);
    return () => {
      (Y.view as Int32Array).set(X.shape);
    };
  },
  fold: (op, inputs, outputs) => {
    check((outputs[0] as RtTensor).type === TensorType.INT32, "output type must be int32");
    return foldInt32(shape, op, inputs, outputs, true);
  },
};
