/**
 * Float SHAPE, STRIDED_SLICE, PACK, UNPACK, SPLIT, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR and the
 * activations HARD_SWISH, LOGISTIC, TANH, LEAKY_RELU, PRELU over row-major Float32Arrays, with
 * TFLite's semantics (strided_slice_logic.h, resize_nearest_neighbor.h).
 */
import { stridedSliceAxes } from "../ir/op-checks-layout.js";
import type { StridedSliceOptions } from "../ir/types.js";
import { numel } from "./util.js";

export interface Value {
  y: Float32Array;
  shape: number[];
}

const strides = (shape: readonly number[]) => shape.map((_, i) => numel(shape.slice(i + 1)));

/** x [d...] sliced by begin/end/strides (one entry per axis) -> y (shrunk axes dropped). */
export function stridedSlice(
  x: Float32Array,
  xs: readonly number[],
  begin: readonly number[],
  end: readonly number[],
  step: readonly number[],
  o: StridedSliceOptions,
): Value {
  const axes = stridedSliceAxes(xs, begin, end, step, o);
  if (typeof axes === "string") throw new Error(`STRIDED_SLICE: ${axes}`);
  const full = axes.map((a) => a.size);
  const y = new Float32Array(numel(full));
  const st = strides(xs);
  const idx = new Array<number>(axes.length).fill(0);
  for (let i = 0; i < y.length; i++) {
    let off = 0;
    for (let d = 0; d < axes.length; d++) off += (axes[d]!.begin + idx[d]! * axes[d]!.stride) * st[d]!;
    y[i] = x[off]!;
    for (let d = axes.length - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      if (idx[d]! < full[d]!) break;
      idx[d] = 0;
    }
  }
  return { y, shape: axes.filter((a) => !a.shrink).map((a) => a.size) };
}

/** n inputs of shape s stacked along a new axis -> [..s[:axis], n, s[axis:]..] */
export function pack(xs: readonly Float32Array[], shape: readonly number[], axis: number): Value {
  const r = shape.length;
  const ax = axis < 0 ? axis + r + 1 : axis;
  const outer = numel(shape.slice(0, ax));
  const inner = numel(shape.slice(ax));
  const n = xs.length;
  const y = new Float32Array(outer * n * inner);
  for (let o = 0; o < outer; o++)
    xs.forEach((x, k) => {
      y.set(x.subarray(o * inner, (o + 1) * inner), (o * n + k) * inner);
    });
  return { y, shape: [...shape.slice(0, ax), n, ...shape.slice(ax)] };
}

/** x cut into `parts` equal pieces along axis; keepAxis false drops the axis (UNPACK). */
export function split(
  x: Float32Array,
  xs: readonly number[],
  axis: number,
  parts: number,
  keepAxis: boolean,
): Value[] {
  const ax = axis < 0 ? axis + xs.length : axis;
  const outer = numel(xs.slice(0, ax));
  const piece = (xs[ax]! / parts) * numel(xs.slice(ax + 1));
  const shape = keepAxis ? xs.map((d, i) => (i === ax ? d / parts : d)) : xs.filter((_, i) => i !== ax);
  const outs: Value[] = [];
  for (let k = 0; k < parts; k++) {
    const y = new Float32Array(outer * piece);
    for (let o = 0; o < outer; o++)
      y.set(x.subarray((o * parts + k) * piece, (o * parts + k + 1) * piece), o * piece);
    outs.push({ y, shape: [...shape] });
  }
  return outs;
}

/** y[i0..] = x[permuted index]: output axis d is input axis perm[d]. */
export function transpose(x: Float32Array, xs: readonly number[], perm: readonly number[]): Value {
  const shape = perm.map((p) => xs[p]!);
  const ist = strides(xs);
  const pst = perm.map((p) => ist[p]!);
  const y = new Float32Array(x.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < y.length; i++) {
    let off = 0;
    for (let d = 0; d < shape.length; d++) off += idx[d]! * pst[d]!;
    y[i] = x[off]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { y, shape };
}

const f = Math.fround;
/** TfLiteRound: half away from zero. */
const roundAway = (v: number) => (v < 0 ? -Math.round(-v) : Math.round(v));

/** TFLite's GetNearestNeighbor (float32 arithmetic as in the C++ reference). */
function nearest(
  i: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixel: boolean,
): number {
  const scale = alignCorners && outSize > 1 ? f((inSize - 1) / (outSize - 1)) : f(inSize / outSize);
  const offset = halfPixel ? 0.5 : 0;
  const p = f(f(i + offset) * scale);
  let v = Math.min(alignCorners ? roundAway(p) : Math.floor(p), inSize - 1);
  if (halfPixel) v = Math.max(0, v);
  return v;
}

/** x [n, h, w, c] -> y [n, oh, ow, c] by nearest neighbour. */
export function resizeNearest(
  x: Float32Array,
  xs: readonly number[],
  oh: number,
  ow: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Value {
  const [n, h, w, c] = xs as [number, number, number, number];
  const y = new Float32Array(n * oh * ow * c);
  let p = 0;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++) {
      const iy = nearest(oy, h, oh, alignCorners, halfPixelCenters);
      for (let ox = 0; ox < ow; ox++) {
        const ix = nearest(ox, w, ow, alignCorners, halfPixelCenters);
        const base = ((b * h + iy) * w + ix) * c;
        for (let k = 0; k < c; k++) y[p++] = x[base + k]!;
      }
    }
  return { y, shape: [n, oh, ow, c] };
}

export type Unary = "HARD_SWISH" | "LOGISTIC" | "TANH";

/** Elementwise activation functions. */
export function unary(x: Float32Array, kind: Unary): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] =
      kind === "HARD_SWISH"
        ? (v * Math.min(6, Math.max(0, v + 3))) / 6
        : kind === "LOGISTIC"
          ? 1 / (1 + Math.exp(-v))
          : Math.tanh(v);
  }
  return y;
}

/** LEAKY_RELU: x >= 0 ? x : alpha * x. */
export function leakyRelu(x: Float32Array, alpha: number): Float32Array {
  return x.map((v) => (v >= 0 ? v : alpha * v));
}
