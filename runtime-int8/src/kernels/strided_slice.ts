/**
 * STRIDED_SLICE (TFLite Micro strided_slice.cc, reference_ops::StridedSlice):
 *   x [d0..dk] int8 (or int32, folded at load), begin / end / strides int32 constants [k+1] -> y.
 * Per axis the indices start, start + stride, .. while before stop (StridedSliceStartForAxis /
 * EndForAxis: negative indices count from the end, then clamped to [0, n] (stride > 0) or
 * [-1, n - 1]; begin_mask / end_mask take the whole axis); a shrink_axis_mask axis takes the one
 * index start and is dropped from y's shape. ellipsis_mask, new_axis_mask and offset are refused
 * (TFLite Micro ignores them; converters fold them into the shape).
 * No arithmetic on values: one strided copy (strided_copy.ts).
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int8Option, int32Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { stridesOf } from "./layout.js";
import { constantInts, copyBlock, foldInt32 } from "./strided_copy.js";

/** StridedSliceOptions fields. */
enum Options {
  BEGIN_MASK = 0,
  END_MASK = 1,
  ELLIPSIS_MASK = 2,
  NEW_AXIS_MASK = 3,
  SHRINK_AXIS_MASK = 4,
  OFFSET = 5,
}

export const stridedSlice: Kernel = {
  code: Builtin.STRIDED_SLICE,
  name: "STRIDED_SLICE",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const rank = X.shape.length;
    const begin = constantInts(inputs[1], "begin");
    const end = constantInts(inputs[2], "end");
    const strides = constantInts(inputs[3], "strides");
    check(
      begin.length === rank && end.length === rank && strides.length === rank,
      "begin, end and strides have " +
        [begin.length, end.length, strides.length] +
        " entries, input rank " +
        rank,
    );
    const beginMask = int32Option(op.options, Options.BEGIN_MASK);
    const endMask = int32Option(op.options, Options.END_MASK);
    const shrinkMask = int32Option(op.options, Options.SHRINK_AXIS_MASK);
    check(
      !int32Option(op.options, Options.ELLIPSIS_MASK) && !int32Option(op.options, Options.NEW_AXIS_MASK),
      "ellipsis_mask and new_axis_mask are not supported",
    );
    check(!int8Option(op.options, Options.OFFSET), "offset is not supported");
    check(X.type === Y.type, "input type " + X.type + ", output type " + Y.type);
    const xStrides = stridesOf(X.shape);
    // per axis: the count of indices taken, and the step in x between them
    const counts: number[] = [];
    const steps: number[] = [];
    const kept: number[] = [];
    let base = 0;
    for (let d = 0; d < rank; d++) {
      const n = X.shape[d] as number;
      const stride = strides[d] as number;
      check(stride !== 0, "stride " + d + " is 0");
      const clamped = (v: number) => {
        if (v < 0) v += n;
        const lo = stride > 0 ? 0 : -1;
        const hi = stride > 0 ? n : n - 1;
        return v < lo ? lo : v > hi ? hi : v;
      };
      let start = clamped(begin[d] as number);
      if (beginMask & (1 << d)) start = stride > 0 ? 0 : n - 1;
      let stop = clamped(end[d] as number);
      if (endMask & (1 << d)) stop = stride > 0 ? n : -1;
      const shrink = shrinkMask & (1 << d);
      if (shrink) stop = start >= n ? start : start + 1;
      let count = 0;
      for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) count++;
      counts.push(count);
      if (!shrink) kept.push(count);
      steps.push(stride * (xStrides[d] as number));
      base += start * (xStrides[d] as number);
    }
    check(kept.join() === Y.shape.join(), "output shape [" + Y.shape + "], the slice gives [" + kept + "]");
    const yStrides = stridesOf(counts);
    return () => {
      if (Y.size) copyBlock(x, base, steps, y, 0, yStrides, counts);
    };
  },
  fold: (op, inputs, outputs) => foldInt32(stridedSlice, op, inputs, outputs),
};
