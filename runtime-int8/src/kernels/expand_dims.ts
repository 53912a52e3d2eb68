/**
 * EXPAND_DIMS (TFLite Micro expand_dims.cc): x [d0..dk], axis int32 constant (one value; negative
 * counts from the end of y's shape) -> y, x's shape with a 1 inserted at axis: the same values in
 * the same order, so the planner gives y x's buffer (aliasesInput) and the eval copies only when
 * they differ (as RESHAPE).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Eval, Kernel, RtTensor } from "../types.js";
import { constantInts } from "./strided_copy.js";

/**
 * SQUEEZE's and EXPAND_DIMS's eval (y = x's values): checks the sizes, and for EXPAND_DIMS (axis
 * >= 0, resolved) y's shape.
 */
export function sameValues(inputs: RtTensor[], outputs: RtTensor[], axis: number): Eval {
  const X = inputs[0] as RtTensor;
  const Y = outputs[0] as RtTensor;
  const x = X.view as Int8Array;
  const y = Y.view as Int8Array;
  check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
  if (axis >= 0) {
    const want = X.shape.slice();
    want.splice(axis, 0, 1);
    check(
      axis <= X.shape.length && want.join() === Y.shape.join(),
      "output shape [" + Y.shape + "], expected [" + want + "]",
    );
  }
  return () => {
    if (x !== y) y.set(x);
  };
}

export const expandDims: Kernel = {
  code: Builtin.EXPAND_DIMS,
  name: "EXPAND_DIMS",
  prepare: (_context, _op, inputs, outputs) => {
    const written = constantInts(inputs[1], "axis");
    check(written.length === 1, "axis has " + written.length + " values, not 1");
    const axis = written[0] as number;
    return sameValues(inputs, outputs, axis < 0 ? axis + (inputs[0] as RtTensor).shape.length + 1 : axis);
  },
  aliasesInput: true,
};
