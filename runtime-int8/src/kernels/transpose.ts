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
import { constantInts, copyBlock } from "./strided_copy.js";

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
    const xStrides = stridesOf(X.shape);
    // y's axis j walks x's axis perm[j]
    const steps: number[] = [];
    const seen: boolean[] = [];
    for (let j = 0; j < rank; j++) {
      const p = perm[j] as number;
      check(
        p >= 0 && p < rank && !seen[p],
        "perm [" + Array.prototype.slice.call(perm) + "] is not a permutation of 0.." + (rank - 1),
      );
      seen[p] = true;
      check(
        Y.shape[j] === X.shape[p],
        "output dim " + j + " is " + Y.shape[j] + ", input dim " + p + " is " + X.shape[p],
      );
      steps.push(xStrides[p] as number);
    }
    const yStrides = stridesOf(Y.shape);
    return () => {
      if (Y.size) copyBlock(x, 0, steps, y, 0, yStrides, Y.shape);
    };
  },
};
