/**
 * Seeded random int8 models of the shape and data-movement ops of issue 13 and of MEAN, for the
 * parity test against native TFLite 2.9 (parity-shape-ops.test.ts): STRIDED_SLICE (masks,
 * negative indices and strides, shrink_axis), TRANSPOSE, PACK, UNPACK, SPLIT, SQUEEZE,
 * EXPAND_DIMS, PADV2, RESIZE_NEAREST_NEIGHBOR (align_corners / half_pixel_centers), MEAN in
 * every axis / keep_dims / quantization case, Keras Flatten (SHAPE -> STRIDED_SLICE -> PACK ->
 * RESHAPE, the int32 part folded at load) and chains of them. IR graphs written with
 * toolchain/tflite/write.ts.
 */
import type { Graph, Op, OpType, OptionsOf, QuantParams } from "../../toolchain/ir/types.js";
import { type Case, prng } from "./gen.js";

export const SHAPE_KINDS = [
  "strided_slice",
  "transpose",
  "pack",
  "unpack",
  "split",
  "squeeze",
  "expand_dims",
  "padv2",
  "resize_nearest_neighbor",
  "mean",
  "flatten",
  "chain",
] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

class G {
  readonly g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  readonly parts: string[] = [];
  constructor(readonly r: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }
  q(scale: number, zp: number): QuantParams {
    return { scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 };
  }
  actQ(): QuantParams {
    return this.q(10 ** (-3 + 3 * this.r()), this.int(-128, 127));
  }
  act(shape: number[], quant: QuantParams): number {
    this.g.tensors.push({ name: `t${this.g.tensors.length}`, shape, dtype: "int8", quant });
    return this.g.tensors.length - 1;
  }
  ints(values: number[], shape?: number[]): number {
    this.g.tensors.push({
      name: `t${this.g.tensors.length}`,
      shape: shape ?? [values.length],
      dtype: "int32",
      data: Int32Array.from(values),
    });
    return this.g.tensors.length - 1;
  }
  op<T extends OpType>(type: T, inputs: number[], outputs: number[], options: OptionsOf<T>): number {
    this.g.ops.push({ type, inputs, outputs, options } as Op);
    return outputs[0] as number;
  }
  shape(t: number): number[] {
    return (this.g.tensors[t] as { shape: number[] }).shape;
  }
  quant(t: number): QuantParams {
    return this.g.tensors[t]?.quant as QuantParams;
  }
  dims(rank: number, max: number): number[] {
    const s: number[] = [];
    for (let i = 0; i < rank; i++) s.push(this.int(1, max));
    return s;
  }

  stridedSlice(x: number): number {
    const s = this.shape(x);
    const r = s.length;
    const begin: number[] = [];
    const end: number[] = [];
    const strides: number[] = [];
    let beginMask = 0;
    let endMask = 0;
    let shrinkAxisMask = 0;
    const out: number[] = [];
    for (let d = 0; d < r; d++) {
      const n = s[d] as number;
      const stride = this.pick([1, 1, 1, 2, 3, -1, -2]);
      // indices anywhere in [-n - 1, n + 1]: negative ones count from the end, all are clamped
      let b = this.int(-n - 1, n + 1);
      let e = this.int(-n - 1, n + 1);
      if (this.r() < 0.2) beginMask |= 1 << d;
      if (this.r() < 0.2) endMask |= 1 << d;
      const shrink = this.r() < 0.15;
      if (shrink) {
        // one index inside the axis
        b = this.int(-n, n - 1);
        e = b + 1;
        shrinkAxisMask |= 1 << d;
        beginMask &= ~(1 << d);
      }
      begin.push(b);
      end.push(e);
      strides.push(shrink ? 1 : stride);
      // the count TFLite computes (StridedSliceStartForAxis / EndForAxis)
      const clampTo = (v: number) => {
        const w = v < 0 ? v + n : v;
        return stride > 0 ? Math.min(Math.max(w, 0), n) : Math.min(Math.max(w, -1), n - 1);
      };
      if (shrink) continue;
      let start = clampTo(b);
      if (beginMask & (1 << d)) start = stride > 0 ? 0 : n - 1;
      let stop = clampTo(e);
      if (endMask & (1 << d)) stop = stride > 0 ? n : -1;
      let count = 0;
      for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) count++;
      out.push(count);
    }
    // an empty result is legal but says little: make every kept axis at least 1 long
    if (out.some((n) => n === 0)) return this.stridedSlice(x);
    const y = this.act(out, this.quant(x));
    this.parts.push(
      `strided_slice [${s}] begin=[${begin}] end=[${end}] strides=[${strides}] masks=${beginMask},${endMask},shrink ${shrinkAxisMask}`,
    );
    return this.op("STRIDED_SLICE", [x, this.ints(begin), this.ints(end), this.ints(strides)], [y], {
      beginMask,
      endMask,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask,
      offset: false,
    });
  }

  transpose(x: number): number {
    const s = this.shape(x);
    const perm = s.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    const y = this.act(
      perm.map((p) => s[p] as number),
      this.quant(x),
    );
    this.parts.push(`transpose [${s}] perm=[${perm}]`);
    return this.op("TRANSPOSE", [x, this.ints(perm)], [y], {});
  }

  padv2(x: number): number {
    const s = this.shape(x);
    const pads: number[] = [];
    for (let d = 0; d < s.length; d++) pads.push(this.int(0, 2), this.int(0, 2));
    const q = this.quant(x);
    const v = this.int(-128, 127);
    this.g.tensors.push({
      name: `t${this.g.tensors.length}`,
      shape: this.r() < 0.5 ? [] : [1],
      dtype: "int8",
      quant: q,
      data: Int8Array.from([v]),
    });
    const value = this.g.tensors.length - 1;
    const y = this.act(
      s.map((n, d) => n + (pads[2 * d] as number) + (pads[2 * d + 1] as number)),
      q,
    );
    this.parts.push(`padv2 [${s}] paddings=[${pads}] value=${v}`);
    return this.op("PADV2", [x, this.ints(pads, [s.length, 2]), value], [y], {});
  }

  resize(x: number): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const oh = this.int(1, 3 * h);
    const ow = this.int(1, 3 * w);
    const mode = this.int(0, 2);
    const alignCorners = mode === 1;
    const halfPixelCenters = mode === 2;
    const y = this.act([n, oh, ow, c], this.quant(x));
    this.parts.push(
      `resize_nearest_neighbor [${n},${h},${w},${c}] -> ${oh}x${ow} align=${alignCorners} half=${halfPixelCenters}`,
    );
    return this.op("RESIZE_NEAREST_NEIGHBOR", [x, this.ints([oh, ow])], [y], {
      alignCorners,
      halfPixelCenters,
    });
  }

  mean(x: number): number {
    const s = this.shape(x);
    const r = s.length;
    const all = s.map((_, i) => i);
    let axes = all.filter(() => this.r() < 0.5);
    if (!axes.length) axes = [this.int(0, r - 1)];
    // some written negative, some twice (ResolveAxis drops repeats)
    const written = axes.map((a) => (this.r() < 0.3 ? a - r : a));
    if (this.r() < 0.1) written.push(written[0] as number);
    const keepDims = this.r() < 0.5;
    const xq = this.quant(x);
    const same = this.r() < 0.3;
    const q = same ? xq : this.q((xq.scale[0] as number) * (0.2 + 2 * this.r()), this.int(-128, 127));
    const out = s.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i));
    const y = this.act(out, q);
    this.parts.push(`mean [${s}] axes=[${written}] keepDims=${keepDims}${same ? " same-quant" : ""}`);
    return this.op("MEAN", [x, this.ints(written)], [y], { keepDims });
  }

  /** Keras Flatten as TensorFlow 2.21's converter writes it: SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE. */
  flatten(x: number): number {
    const s = this.shape(x);
    this.g.tensors.push({ name: `t${this.g.tensors.length}`, shape: [s.length], dtype: "int32" });
    const shp = this.g.tensors.length - 1;
    this.op("SHAPE", [x], [shp], { outType: "int32" });
    this.g.tensors.push({ name: `t${this.g.tensors.length}`, shape: [], dtype: "int32" });
    const batch = this.g.tensors.length - 1;
    this.op("STRIDED_SLICE", [shp, this.ints([0]), this.ints([1]), this.ints([1])], [batch], {
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 1,
      offset: false,
    });
    const rest = s.slice(1).reduce((a, b) => a * b, 1);
    this.g.tensors.push({ name: `t${this.g.tensors.length}`, shape: [2], dtype: "int32" });
    const target = this.g.tensors.length - 1;
    this.op("PACK", [batch, this.ints([rest], [])], [target], { valuesCount: 2, axis: 0 });
    const y = this.act([s[0] as number, rest], this.quant(x));
    this.parts.push(`flatten [${s}] (SHAPE, STRIDED_SLICE, PACK, RESHAPE)`);
    return this.op("RESHAPE", [x, target], [y], {});
  }
}

/** One random case of a kind. */
export function shapeCase(seed: number, kind: ShapeKind): Case {
  const G0 = new G(prng(seed * 7919 + 17));
  const g = G0.g;
  const rank = kind === "resize_nearest_neighbor" || kind === "flatten" ? 4 : G0.int(1, 4);
  const x = G0.act(G0.dims(rank, kind === "resize_nearest_neighbor" ? 6 : 7), G0.actQ());
  g.inputs.push(x);
  const outs: number[] = [];
  switch (kind) {
    case "strided_slice":
      outs.push(G0.stridedSlice(x));
      break;
    case "transpose":
      outs.push(G0.transpose(x));
      break;
    case "padv2":
      outs.push(G0.padv2(x));
      break;
    case "resize_nearest_neighbor":
      outs.push(G0.resize(x));
      break;
    case "mean":
      outs.push(G0.mean(x));
      break;
    case "flatten":
      outs.push(G0.flatten(x));
      break;
    case "pack": {
      const count = G0.int(1, 4);
      const q = G0.quant(x);
      const ins = [x];
      for (let i = 1; i < count; i++) ins.push(G0.act(G0.shape(x).slice(), q));
      g.inputs = ins;
      const s = G0.shape(x);
      const written = G0.int(-(rank + 1), rank);
      const axis = written < 0 ? written + rank + 1 : written;
      const out = s.slice();
      out.splice(axis, 0, count);
      const y = G0.act(out, q);
      G0.parts.push(`pack ${count} x [${s}] axis=${written}`);
      outs.push(G0.op("PACK", ins, [y], { valuesCount: count, axis: written }));
      break;
    }
    case "unpack": {
      const s = G0.shape(x);
      const written = G0.int(-rank, rank - 1);
      const axis = written < 0 ? written + rank : written;
      const rest = s.filter((_, i) => i !== axis);
      const ys: number[] = [];
      for (let i = 0; i < (s[axis] as number); i++) ys.push(G0.act(rest.slice(), G0.quant(x)));
      G0.parts.push(`unpack [${s}] axis=${written}`);
      G0.op("UNPACK", [x], ys, { num: ys.length, axis: written });
      outs.push(...ys);
      break;
    }
    case "split": {
      const s = G0.shape(x);
      const axis = G0.int(0, rank - 1);
      const n = s[axis] as number;
      const divisors = [1, 2, 3, 4, 5, 6, 7].filter((k) => n % k === 0);
      const count = G0.pick(divisors);
      const part = s.slice();
      part[axis] = n / count;
      const ys: number[] = [];
      for (let i = 0; i < count; i++) ys.push(G0.act(part.slice(), G0.quant(x)));
      const written = G0.r() < 0.3 ? axis - rank : axis;
      G0.parts.push(`split [${s}] axis=${written} into ${count}`);
      G0.op("SPLIT", [G0.ints([written], []), x], ys, { numSplits: count });
      outs.push(...ys);
      break;
    }
    case "squeeze": {
      // some size-1 axes added, then squeezed (all of them, or the listed ones)
      const s = G0.shape(x).slice();
      const withOnes = s.slice();
      for (let k = G0.int(1, 2); k--; ) withOnes.splice(G0.int(0, withOnes.length), 0, 1);
      const r0 = G0.act(withOnes, G0.quant(x));
      G0.op("RESHAPE", [x, G0.ints(withOnes)], [r0], {});
      const ones = withOnes.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      const listed = G0.r() < 0.5 ? [] : ones.filter(() => G0.r() < 0.6);
      const out = withOnes.filter((d, i) => d !== 1 || (listed.length > 0 && !listed.includes(i)));
      const y = G0.act(out, G0.quant(x));
      G0.parts.push(`squeeze [${withOnes}] dims=[${listed}]`);
      outs.push(G0.op("SQUEEZE", [r0], [y], { squeezeDims: listed }));
      break;
    }
    case "expand_dims": {
      const s = G0.shape(x);
      const written = G0.int(-(rank + 1), rank);
      const axis = written < 0 ? written + rank + 1 : written;
      const out = s.slice();
      out.splice(axis, 0, 1);
      const y = G0.act(out, G0.quant(x));
      G0.parts.push(`expand_dims [${s}] axis=${written}`);
      outs.push(G0.op("EXPAND_DIMS", [x, G0.ints([written], [])], [y], {}));
      break;
    }
    case "chain": {
      // a 4-D input through 2..4 of the ops, ending in a Flatten or a MEAN half the time
      g.tensors[x] = { ...(g.tensors[x] as Graph["tensors"][number]), shape: G0.dims(4, 6) };
      let t = x;
      for (let k = G0.int(2, 4); k--; ) {
        const step = G0.pick(["slice", "transpose", "pad", "resize", "mean"] as const);
        const s = G0.shape(t);
        if (step === "slice") t = G0.stridedSlice(t);
        else if (step === "transpose") t = G0.transpose(t);
        else if (step === "pad") t = G0.padv2(t);
        else if (step === "resize" && s.length === 4) t = G0.resize(t);
        else if (step === "mean" && s.length > 1) t = G0.mean(t);
      }
      if (G0.shape(t).length === 4 && G0.r() < 0.5) t = G0.flatten(t);
      outs.push(t);
      break;
    }
  }
  g.outputs = outs;
  const inputs = g.inputs.map((i) => {
    const n = G0.shape(i).reduce((a, b) => a * b, 1);
    const v = new Int8Array(n);
    for (let k = 0; k < n; k++) v[k] = G0.int(-128, 127);
    return v;
  });
  return { name: `${kind} seed ${seed}: ${G0.parts.join(" -> ")}`, graph: g, inputs };
}
