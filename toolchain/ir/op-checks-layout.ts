/**
 * Shape rules of the ops that move data without arithmetic (SHAPE, STRIDED_SLICE, PACK,
 * UNPACK, SPLIT, SQUEEZE, EXPAND_DIMS, TRANSPOSE, PADV2, RESIZE_NEAREST_NEIGHBOR), and the
 * shape helpers the float executor shares with them. Semantics are TFLite Micro's kernels'
 * (e.g. STRIDED_SLICE: strided_slice_common.cc, StartForAxis / StopForAxis).
 */
import type { OpChecker } from "./op-checks.js";
import type { Op, StridedSliceOptions, Tensor } from "./types.js";

const fmt = (s: readonly number[]) => `[${s.join(",")}]`;
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** One axis of a strided slice: first index, end (exclusive, C style), stride, kept or shrunk. */
export interface SliceAxis {
  begin: number;
  end: number;
  stride: number;
  /** Number of elements taken along the axis. */
  size: number;
  shrink: boolean;
}

/**
 * STRIDED_SLICE per axis as TFLite Micro computes it (StartForAxis, StopForAxis, the output
 * size ceil((end - begin) / stride) clamped at 0; a shrunk axis takes one element).
 * begin, end, strides have one entry per input axis. Returns a message on bad input.
 */
export function stridedSliceAxes(
  shape: readonly number[],
  begin: readonly number[],
  end: readonly number[],
  strides: readonly number[],
  o: Pick<StridedSliceOptions, "beginMask" | "endMask" | "shrinkAxisMask">,
): SliceAxis[] | string {
  const axes: SliceAxis[] = [];
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i]!;
    const stride = strides[i]!;
    if (!Number.isInteger(stride) || stride === 0) return `stride ${i} is ${stride} (must be non-zero)`;
    const shrink = (o.shrinkAxisMask & (1 << i)) !== 0;
    let b = 0;
    let e = 0;
    if (n !== 0) {
      b = o.beginMask & (1 << i) ? (stride > 0 ? INT32_MIN : INT32_MAX) : begin[i]!;
      if (b < 0) b += n;
      b = stride > 0 ? clamp(b, 0, n) : clamp(b, -1, n - 1);
      if (shrink) e = b + 1;
      else {
        e = o.endMask & (1 << i) ? (stride > 0 ? INT32_MAX : INT32_MIN) : end[i]!;
        if (e < 0) e += n;
        e = stride > 0 ? clamp(e, 0, n) : clamp(e, -1, n - 1);
      }
    }
    if (shrink) e = b + 1;
    const size = Math.max(0, Math.ceil((e - b) / stride));
    if (shrink && (size !== 1 || b < 0 || b >= n)) {
      return `shrink_axis_mask keeps index ${begin[i]} of axis ${i}, which has size ${n}`;
    }
    axes.push({ begin: b, end: e, stride, size, shrink });
  }
  return axes;
}

/** An axis argument in [-(rank), rank - 1] (or [-(rank+1), rank] for inserting ops), normalised. */
function axisOf(c: OpChecker, axis: number, rank: number, inserting: boolean, what = "axis"): number {
  const r = inserting ? rank + 1 : rank;
  if (!Number.isInteger(axis) || axis < -r || axis >= r) {
    c.fail(
      `${what} ${axis} is out of range for ${inserting ? "inserting into " : ""}rank ${rank} (needs ${-r}..${r - 1})`,
    );
  }
  return axis < 0 ? axis + r : axis;
}

function constOperand(c: OpChecker, i: number, what: string): { t: Tensor; v: number[] } {
  const t = c.in(i, what);
  const v = c.constInts(t, what);
  if (!v) c.fail(`${what} (input ${i}) must be a constant int32 tensor`);
  return { t, v };
}

/** Checks the op if it is one of this file's; returns false for other ops. */
export function checkLayoutOp(c: OpChecker, op: Op): boolean {
  switch (op.type) {
    case "SHAPE": {
      c.counts(1, 1);
      const x = c.in(0, "input");
      const y = c.out();
      if (op.options.outType !== "int32" && op.options.outType !== "int64") {
        c.fail(`outType must be int32 or int64, got ${op.options.outType}`);
      }
      if (y.dtype !== op.options.outType)
        c.fail(`output must have dtype ${op.options.outType}, got ${y.dtype}`);
      c.shape(y, [x.shape.length], "output");
      return true;
    }
    case "STRIDED_SLICE": {
      c.counts(4, 4);
      const x = c.in(0, "input");
      const r = x.shape.length;
      const o = op.options;
      if (o.ellipsisMask !== 0 || o.newAxisMask !== 0) {
        c.fail(
          `ellipsisMask ${o.ellipsisMask} / newAxisMask ${o.newAxisMask} are not supported (must be 0, as in TFLite Micro)`,
        );
      }
      if (o.offset) c.fail("offset = true is not supported (TFLite Micro slices without it)");
      const [begin, end, strides] = (["begin", "end", "strides"] as const).map((w, k) => {
        const { t, v } = constOperand(c, k + 1, w);
        if (v.length !== r)
          c.fail(`${w} ${fmt(t.shape)} must have ${r} entries (input rank ${r}), got ${v.length}`);
        return v;
      }) as [number[], number[], number[]];
      const axes = stridedSliceAxes(x.shape, begin, end, strides, o);
      if (typeof axes === "string") c.fail(axes);
      c.shape(
        c.out(),
        axes.filter((a) => !a.shrink).map((a) => a.size),
        "output",
      );
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    case "PACK": {
      const n = op.inputs.length;
      c.counts(1, Math.max(1, n));
      if (op.options.valuesCount !== n)
        c.fail(`valuesCount ${op.options.valuesCount} != number of inputs ${n}`);
      const xs = op.inputs.map((_, i) => c.in(i, `input ${i}`));
      const s0 = xs[0]!.shape;
      xs.forEach((t, i) => {
        if (!(t.shape.length === s0.length && t.shape.every((d, j) => d === s0[j]))) {
          c.fail(`input ${i} ${fmt(t.shape)} differs from input 0 ${fmt(s0)} (all must have one shape)`);
        }
        c.sameDtype(xs[0]!, t, `input ${i}`);
      });
      const axis = axisOf(c, op.options.axis, s0.length, true);
      c.shape(c.out(), [...s0.slice(0, axis), n, ...s0.slice(axis)], "output");
      c.sameDtype(xs[0]!, c.out(), "output");
      return true;
    }
    case "UNPACK": {
      const x = c.in(0, "input");
      const axis = axisOf(c, op.options.axis, x.shape.length, false);
      const n = x.shape[axis]!;
      if (op.options.num !== n)
        c.fail(`num ${op.options.num} != input ${fmt(x.shape)} size ${n} along axis ${axis}`);
      c.counts(1, 1, n);
      const want = x.shape.filter((_, i) => i !== axis);
      for (let k = 0; k < n; k++) {
        c.shape(c.out(k), want, `output ${k}`);
        c.sameDtype(x, c.out(k), `output ${k}`);
      }
      return true;
    }
    case "SPLIT": {
      const { t: at, v: av } = constOperand(c, 0, "axis");
      if (av.length !== 1) c.fail(`axis ${fmt(at.shape)} must hold one value, got ${av.length}`);
      const x = c.in(1, "input");
      const n = op.options.numSplits;
      c.positive(n, "numSplits");
      c.counts(2, 2, n);
      const axis = axisOf(c, av[0]!, x.shape.length, false);
      const d = x.shape[axis]!;
      if (d % n !== 0)
        c.fail(`input ${fmt(x.shape)} axis ${axis} (size ${d}) does not split into ${n} equal parts`);
      const want = x.shape.map((s, i) => (i === axis ? s / n : s));
      for (let k = 0; k < n; k++) {
        c.shape(c.out(k), want, `output ${k}`);
        c.sameDtype(x, c.out(k), `output ${k}`);
      }
      return true;
    }
    case "SQUEEZE": {
      c.counts(1, 1);
      const x = c.in(0, "input");
      const r = x.shape.length;
      const dims = op.options.squeezeDims.map((a) => axisOf(c, a, r, false, "squeeze dim"));
      for (const a of dims) {
        if (x.shape[a] !== 1)
          c.fail(`squeeze dim ${a} of input ${fmt(x.shape)} has size ${x.shape[a]}, not 1`);
      }
      const want = x.shape.filter((d, i) => (dims.length ? !dims.includes(i) : d !== 1));
      c.shape(c.out(), want, "output");
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    case "EXPAND_DIMS": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      const { t: at, v: av } = constOperand(c, 1, "axis");
      if (av.length !== 1) c.fail(`axis ${fmt(at.shape)} must hold one value, got ${av.length}`);
      const axis = axisOf(c, av[0]!, x.shape.length, true);
      c.shape(c.out(), [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)], "output");
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    case "TRANSPOSE": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      const r = x.shape.length;
      const { v: perm } = constOperand(c, 1, "perm");
      const sorted = [...perm].sort((a, b) => a - b);
      if (perm.length !== r || sorted.some((p, i) => p !== i)) {
        c.fail(`perm ${fmt(perm)} must be a permutation of 0..${r - 1} (input rank ${r})`);
      }
      c.shape(
        c.out(),
        perm.map((p) => x.shape[p]!),
        "output",
      );
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    case "PADV2": {
      c.counts(2, 3);
      const x = c.in(0, "input");
      const { t: p, v: pads } = constOperand(c, 1, "paddings");
      c.shape(p, [x.shape.length, 2], "paddings");
      if (pads.some((v) => v < 0)) c.fail(`paddings must be >= 0, got ${fmt(pads)}`);
      const v = c.optIn(2, "constant value");
      if (v) {
        if (v.shape.reduce((a, d) => a * d, 1) !== 1)
          c.fail(`constant value must hold one value, got ${fmt(v.shape)}`);
        c.sameDtype(x, v, "constant value");
      }
      c.shape(
        c.out(),
        x.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!),
        "output",
      );
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    case "RESIZE_NEAREST_NEIGHBOR": {
      c.counts(2, 2);
      const x = c.in(0, "input");
      c.rank(x, 4, "input");
      const { t: st, v: size } = constOperand(c, 1, "size");
      if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) {
        c.fail(`size ${fmt(st.shape)} must hold 2 positive values [height, width], got ${fmt(size)}`);
      }
      c.shape(c.out(), [x.shape[0]!, size[0]!, size[1]!, x.shape[3]!], "output");
      c.sameDtype(x, c.out(), "output");
      return true;
    }
    default:
      return false;
  }
}
