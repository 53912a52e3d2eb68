/**
 * The eval of MAXIMUM and MINIMUM, int8: the larger (smaller) raw byte of a and b, broadcast
 * (reference_ops::MaximumMinimumBroadcastSlow, any rank). As in TFLite Micro there is no
 * requantization: the converter gives both inputs and the output one quantization.
 * Shapes: a [..] int8, b [..] int8 (each broadcastable against y) -> y [..] int8. No arithmetic.
 */
import { check } from "../errors.js";
import { type Eval, type RtTensor, TensorType } from "../types.js";
import { broadcastIndex } from "./broadcast_run.js";

export function maximumMinimumEval(inputs: RtTensor[], outputs: RtTensor[], maximum: boolean): Eval {
  const A = inputs[0] as RtTensor;
  const B = inputs[1] as RtTensor;
  const Y = outputs[0] as RtTensor;
  check(A.type === TensorType.INT8 && B.type === TensorType.INT8, "inputs are not int8");
  const a = A.view as Int8Array;
  const b = B.view as Int8Array;
  const y = Y.view as Int8Array;
  const indexA = broadcastIndex(A.shape, Y.shape);
  const indexB = broadcastIndex(B.shape, Y.shape);
  return () => {
    for (let i = Y.size; i--; ) {
      const va = a[indexA(i)] as number;
      const vb = b[indexB(i)] as number;
      y[i] = va > vb === maximum ? va : vb;
    }
  };
}
