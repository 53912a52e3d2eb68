/**
 * MEAN over any set of axes, int8.
 * Shapes: x [d0..dk] int8, axes int32 constant -> y (the reduced shape) int8.
 * Follows TFLite's reference kernels: for keep_dims over axes {1, 2} of a 4-D input,
 * reference_integer_ops::Mean: sum of (x - zp_in) (|sum| < 2^31 for fewer than 2^23 values),
 * MultiplyByQuantizedMultiplier(in_scale / out_scale), divide by the count rounding half away
 * from zero, add zp_out, clamp; otherwise, with equal input and output quantization,
 * reference_ops::Mean (sum of raw values / count, truncated). TFLite computes the remaining case
 * (other axes with different quantization) in float (QuantizedMeanOrSum); the runtime stays
 * integer-only and uses the integer Mean formula there, which can differ by 1.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { int8Option } from "../parse.js";
import type { Kernel, RtTensor, View } from "../types.js";
import { broadcastStrides, offsetOf } from "./broadcast.js";
import { clampToActivation, mq, requantization, roundedDivide, zeros } from "./requantize.js";

/** ReducerOptions field 0: keep_dims. */
const KEEP_DIMS = 0;

export const mean: Kernel = {
  code: Builtin.MEAN,
  name: "MEAN",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const axes = (inputs[1] as RtTensor).view as View;
    const rank = X.shape.length;
    const shape = X.shape;
    // the kept shape (reduced dims 1) and the count of values per output
    const kept = shape.slice();
    let count = 1;
    for (let i = axes.length; i--; ) {
      const a = (axes[i] as number) + ((axes[i] as number) < 0 ? rank : 0);
      count *= kept[a] as number;
      kept[a] = 1;
    }
    check(
      count * Y.size === X.size,
      "axes [" + axes + "] do not reduce [" + shape + "] to [" + Y.shape + "]",
    );
    // output index of every input element: strides over the kept dims
    const outputStrides = broadcastStrides(kept, shape);
    // TFLite's special case: keep_dims, 4-D, axes exactly {1, 2}
    const spatial =
      int8Option(op.options, KEEP_DIMS) &&
      rank === 4 &&
      axes.length === 2 &&
      (axes[0] as number) * (axes[1] as number) === 2 &&
      (axes[0] as number) + (axes[1] as number) === 3;
    const raw = !spatial && X.firstZeroPoint === Y.firstZeroPoint && X.firstScale === Y.firstScale;
    const q = requantization([X.firstScale / Y.firstScale], 0, Y);
    const xz = raw ? 0 : X.firstZeroPoint;
    return () => {
      const acc = zeros(Y.size);
      for (let i = X.size; i--; ) {
        const o = offsetOf(i, shape, outputStrides);
        acc[o] = (acc[o] as number) + (x[i] as number) - xz;
      }
      for (let k = Y.size; k--; ) {
        const v = acc[k] as number;
        y[k] = clampToActivation(
          q,
          raw ? (v - (v % count)) / count : roundedDivide(mq(q, 0, v), count) + q.yz,
        );
      }
    };
  },
};
