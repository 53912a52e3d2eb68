/**
 * TRANSPOSE (TFLite Micro transpose.cc, reference_ops::Transpose):
 *   x [d0..dk] int8, perm int32 constant [k+1] (a permutation of 0..k) -> y [d_perm[0], .., d_perm[k]],
 *   y[i_0, .., i_k] = x at index i_j along axis perm[j].
 * No arithmetic on values: one strided copy (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import type { Kernel, RtTensor } from "../types.js";
import { stridesOf } from "./layout.js";
import { checkShape, constantInts, copyBlock } from "./strided_copy.js";

export const transpose: Kernel = {
  code: Builtin.TRANSPOSE,
  name: "TRANSPOSE",
  prepare: (_context, _op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const perm = constantInts(inputs[1], "perm");
    const rank = X.shape.length;
    check(perm.length === rank, "perm has " + perm.length + " entries, input rank " + rank);
    // y's axis j walks x's axis perm[j]; y's shape checks that perm is a permutation
    const xStrides = stridesOf(X.shape);
    const steps: number[] = [];
    const want: number[] = [];
    const seen: number[] = [];
    for (let j = 0; j < rank; j++) {
      const p = perm[j] as number;
      // (the message is built only on failure; Espruino has no Array.prototype.slice, typed arrays have join)
      if (seen[p] || !(p >= 0 && p < rank))
        check(false, "perm [" + perm.join(",") + "] is not a permutation");
      seen[p] = 1;
      steps.push(xStrides[p] as number);
      want.push(X.shape[p] as number);
    }
    checkShape(Y, want);
    const yStrides = stridesOf(Y.shape);
    return () => {
      if (Y.size) copyBlock(x, 0, steps, y, 0, yStrides, Y.shape);
    };
  },
};
