/** Float ADD/SUB/MUL/MAXIMUM/MINIMUM/PRELU (numpy broadcasting), SOFTMAX, PAD, CONCATENATION, RELU/RELU6. */
import type { Activation } from "../ir/types.js";
import { applyActivation, numel } from "./util.js";

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Index map from an output position to an operand broadcast into `out`. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const r = out.length;
  const full = [...new Array<number>(r - shape.length).fill(1), ...shape];
  const strides = full.map((_, i) => full.slice(i + 1).reduce((p, q) => p * q, 1));
  const n = numel(out);
  const map = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < r; d++) if (full[d] !== 1) o += idx[d]! * strides[d]!;
    map[i] = o;
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      if (idx[d]! < out[d]!) break;
      idx[d] = 0;
    }
  }
  return map;
}

export type BinaryKind = "add" | "sub" | "mul" | "max" | "min" | "prelu";

const BINARY: Record<BinaryKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
  // PRELU: b is alpha
  prelu: (a, b) => (a >= 0 ? a : a * b),
};

/** a [sa], b [sb] -> y [broadcast(sa, sb)] */
export function binary(
  a: Float32Array,
  sa: readonly number[],
  b: Float32Array,
  sb: readonly number[],
  kind: BinaryKind,
  act: Activation,
): { y: Float32Array; shape: number[] } {
  const shape = broadcastShape(sa, sb);
  const n = numel(shape);
  const y = new Float32Array(n);
  const ia = a.length === n ? undefined : broadcastIndex(sa, shape);
  const ib = b.length === n ? undefined : broadcastIndex(sb, shape);
  for (let i = 0; i < n; i++) {
    const va = a[ia ? ia[i]! : i]!;
    const vb = b[ib ? ib[i]! : i]!;
    y[i] = BINARY[kind](va, vb);
  }
  return { y: applyActivation(y, act), shape };
}

/** x [..., c] -> softmax over the last axis with beta. */
export function softmax(x: Float32Array, xs: readonly number[], beta: number): Float32Array {
  const c = xs[xs.length - 1] ?? 1;
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += c) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < c; i++) mx = Math.max(mx, x[r + i]!);
    let s = 0;
    for (let i = 0; i < c; i++) {
      const e = Math.exp((x[r + i]! - mx) * beta);
      y[r + i] = e;
      s += e;
    }
    for (let i = 0; i < c; i++) y[r + i] = y[r + i]! / s;
  }
  return y;
}

/** x [d...] padded by pads [[before, after] per dim] with `value` -> y */
export function pad(
  x: Float32Array,
  xs: readonly number[],
  pads: readonly (readonly [number, number])[],
  value: number,
): { y: Float32Array; shape: number[] } {
  const shape = xs.map((d, i) => d + (pads[i]?.[0] ?? 0) + (pads[i]?.[1] ?? 0));
  const y = new Float32Array(numel(shape)).fill(value);
  const rank = xs.length;
  const ostr = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += (idx[d]! + (pads[d]?.[0] ?? 0)) * ostr[d]!;
    y[o] = x[i]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = idx[d]! + 1;
      if (idx[d]! < xs[d]!) break;
      idx[d] = 0;
    }
  }
  return { y, shape };
}

/** xs[k] [..., ck, ...] concatenated along `axis` -> y */
export function concat(
  parts: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
  axis: number,
): { y: Float32Array; shape: number[] } {
  const s0 = shapes[0]!;
  const ax = axis < 0 ? axis + s0.length : axis;
  const outer = s0.slice(0, ax).reduce((p, q) => p * q, 1);
  const inners = shapes.map((s) => s.slice(ax).reduce((p, q) => p * q, 1));
  const total = inners.reduce((p, q) => p + q, 0);
  const y = new Float32Array(outer * total);
  for (let o = 0; o < outer; o++) {
    let off = o * total;
    parts.forEach((p, k) => {
      const inner = inners[k]!;
      y.set(p.subarray(o * inner, (o + 1) * inner), off);
      off += inner;
    });
  }
  const shape = [...s0];
  shape[ax] = shapes.reduce((p, s) => p + (s[ax] ?? 0), 0);
  return { y, shape };
}

export function relu(x: Float32Array, six: boolean): Float32Array {
  return applyActivation(new Float32Array(x), six ? "RELU6" : "RELU");
}
