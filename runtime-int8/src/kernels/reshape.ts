/**
 * RESHAPE: x [..] -> y [..], the same bytes. The planner gives y x's buffer (aliasesInput): the
 * two views (separate objects) then cover the same bytes and the eval does nothing; it copies only
 * when they differ (a constant input, or a graph input that is also an output).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor } from "../types.js";

export const reshape: Kernel = {
  code: Builtin.RESHAPE,
  name: "RESHAPE",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
    if (x.buffer === y.buffer && x.byteOffset === y.byteOffset) return () => {};
    return () => {
      y.set(x);
    };
  },
  aliasesInput: true,
};
