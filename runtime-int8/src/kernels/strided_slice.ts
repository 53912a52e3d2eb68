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
import type { Kernel, RtTensor, View } from "../types.js";
import { stridesOf } from "./layout.js";
import { checkShape, constantInts, copyBlock, foldInt32 } from "./strided_copy.js";

/** StridedSliceOptions fields. */
enum Options {
  BEGIN_MASK = 0,
  END_MASK = 1,
  ELLIPSIS_MASK = 2,
  NEW_AXIS_MASK = 3,
  SHRINK_AXIS_MASK = 4,
  OFFSET = 5,
}

/** An index along an axis of n with this stride's sign: negative counts from the end, then clamped. */
function clampIndex(v: number, n: number, stride: number): number {
  if (v < 0) v += n;
  const low = stride > 0 ? 0 : -1;
  const high = stride > 0 ? n : n - 1;
  return v < low ? low : v > high ? high : v;
}

export const stridedSlice: Kernel = {
  code: Builtin.STRIDED_SLICE,
  name: "STRIDED_SLICE",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as View;
    const y = Y.view as View;
    const rank = X.shape.length;
    const begin = constantInts(inputs[1], "begin");
    const end = constantInts(inputs[2], "end");
    const strides = constantInts(inputs[3], "strides");
    const options = op.options;
    const beginMask = int32Option(options, Options.BEGIN_MASK);
    const endMask = int32Option(options, Options.END_MASK);
    const shrinkMask = int32Option(options, Options.SHRINK_AXIS_MASK);
    check(
      !(
        int32Option(options, Options.ELLIPSIS_MASK) ||
        int32Option(options, Options.NEW_AXIS_MASK) ||
        int8Option(options, Options.OFFSET)
      ),
      "ellipsis_mask, new_axis_mask and offset are not supported",
    );
    check(
      begin.length === rank && end.length === rank && strides.length === rank,
      "begin, end, strides need " + rank + " entries",
    );
    const xStrides = stridesOf(X.shape);
    // per axis: the count of indices taken and the step between them in x; y's shape
    const counts: number[] = [];
    const steps: number[] = [];
    const want: number[] = [];
    let base = 0;
    for (let d = 0; d < rank; d++) {
      const n = X.shape[d] as number;
      const stride = strides[d] as number;
      const bit = 1 << d;
      check(stride !== 0, "stride " + d + " is 0");
      const start = beginMask & bit ? (stride > 0 ? 0 : n - 1) : clampIndex(begin[d] as number, n, stride);
      let stop = endMask & bit ? (stride > 0 ? n : -1) : clampIndex(end[d] as number, n, stride);
      if (shrinkMask & bit) stop = start < n ? start + 1 : start;
      let count = 0;
      for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) count++;
      counts.push(count);
      if (!(shrinkMask & bit)) want.push(count);
      steps.push(stride * (xStrides[d] as number));
      base += start * (xStrides[d] as number);
    }
    checkShape(Y, want);
    const yStrides = stridesOf(counts);
    return () => {
      if (Y.size) copyBlock(x, base, steps, y, 0, yStrides, counts);
    };
  },
  fold: (op, inputs, outputs) => foldInt32(stridedSlice, op, inputs, outputs),
};
