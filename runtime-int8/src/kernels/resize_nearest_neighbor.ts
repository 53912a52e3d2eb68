/**
 * RESIZE_NEAREST_NEIGHBOR (TFLite Micro resize_nearest_neighbor.cc, reference GetNearestNeighbor):
 *   x [N, H, W, C] int8, size int32 constant [2] = [OH, OW] -> y [N, OH, OW, C],
 *   y[n, oy, ox, :] = x[n, source(oy), source(ox), :], where in float32, as the reference,
 *   scale = align_corners && out > 1 ? (in - 1) / (out - 1) : in / out,
 *   source(o) = min(align_corners ? round((o + offset) * scale) : floor((o + offset) * scale), in - 1),
 *   offset = 0.5 with half_pixel_centers (and then source >= 0), else 0.
 * The source rows and columns are computed once at prepare (the float work); the eval copies
 * runs of C values.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { fround, M, roundAway } from "../fixed.js";
import { int8Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { zeros } from "./requantize.js";
import { checkShape, constantInts } from "./strided_copy.js";

/** ResizeNearestNeighborOptions fields. */
enum Options {
  ALIGN_CORNERS = 0,
  HALF_PIXEL_CENTERS = 1,
}

export const resizeNearestNeighbor: Kernel = {
  code: Builtin.RESIZE_NEAREST_NEIGHBOR,
  name: "RESIZE_NEAREST_NEIGHBOR",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const Y = outputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = Y.view as Int8Array;
    const size = constantInts(inputs[1], "size");
    check(X.shape.length === 4, "input rank " + X.shape.length + ", not 4");
    const N = X.shape[0] as number;
    const H = X.shape[1] as number;
    const W = X.shape[2] as number;
    const C = X.shape[3] as number;
    const OH = size[0] as number;
    const OW = size[1] as number;
    checkShape(Y, [N, OH, OW, C]);
    const alignCorners = int8Option(op.options, Options.ALIGN_CORNERS);
    const halfPixelCenters = int8Option(op.options, Options.HALF_PIXEL_CENTERS);
    // GetNearestNeighbor for every output row (or column) o of an axis of `n` inputs
    const sources = (n: number, out: number) => {
      const source = zeros(out);
      const scale = fround(alignCorners && out > 1 ? (n - 1) / (out - 1) : n / out);
      for (let o = out; o--; ) {
        const v = fround(fround(o + (halfPixelCenters ? 0.5 : 0)) * scale);
        let i = alignCorners ? roundAway(v) : M.floor(v);
        if (i > n - 1) i = n - 1;
        if (halfPixelCenters && i < 0) i = 0;
        source[o] = i;
      }
      return source;
    };
    const rows = sources(H, OH);
    const columns = sources(W, OW);
    return () => {
      let at = 0;
      for (let b = 0; b < N; b++)
        for (let oy = 0; oy < OH; oy++)
          for (let ox = 0; ox < OW; ox++) {
            const from = ((b * H + (rows[oy] as number)) * W + (columns[ox] as number)) * C;
            y.set(x.subarray(from, from + C), at);
            at += C;
          }
    };
  },
};
