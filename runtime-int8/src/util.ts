/** Small helpers shared by the ops (load-time only unless noted). */

import { fround, mq, quantizeMultiplier, roundAway } from "./fixed.js";

export { mq } from "./fixed.js";

import type { Geom } from "./ops/window.js";
import type { Eval, RtTensor, View } from "./types.js";

export interface Ctx {
  /** Dot product of two equal-length views (Espruino's E.convolve, or a plain loop). */
  dot: (a: View, b: View) => number;
  /** Sum of a view (Espruino's E.sum, or a plain loop). */
  su: (a: View) => number;
  /** The optional host kernels installed with use() (src/fast.ts), or undefined. */
  h?: Fast;
}

/**
 * Optional host kernels (src/fast.ts, shipped as dist/edgeq-rt-fast.min.js): each returns the
 * op's Eval, or undefined to leave the op to the core's own loops. Same bytes either way.
 */
export interface Fast {
  /** Windowed CONV_2D. */
  conv(g: Geom): Eval | undefined;
  /** DEPTHWISE_CONV_2D (must be in-place safe: read all of g.x before writing g.y). */
  dw(g: Geom): Eval | undefined;
  /** FULLY_CONNECTED and 1x1 stride-1 CONV_2D: y[P,OC] = requant(sum over K of (x + off)(w + wz) + b), P = N*H*IW, K = C. */
  mm(g: Geom): Eval | undefined;
}

/** Where element i (flat, last dim fastest) of an array of `shape` lands under strides st: sum of index_d * st[d]. */
export function offs(i: number, shape: number[], st: number[]): number {
  let o = 0;
  for (let d = shape.length; d--; ) {
    const n = shape[d] as number;
    const k = i % n;
    i = (i - k) / n;
    o += k * (st[d] as number);
  }
  return o;
}

/** Per dim of `out`: the stride along it of an array of `shape` (dims aligned to the right), 0 where it broadcasts (or has size 1). */
export function strides(shape: number[], out: number[]): number[] {
  const s: number[] = [];
  let k = 1;
  for (let d = out.length; d--; ) {
    const j = d - out.length + shape.length;
    const n = j >= 0 ? (shape[j] as number) : 1;
    check(n === out[d] || n === 1);
    s[d] = n === 1 ? 0 : k;
    k *= n;
  }
  return s;
}

/** Int8Array under a short name once minified. */
export const I8 = Int8Array;

/** n int32 zeros. */
export function zeros(n: number): Int32Array {
  return new Int32Array(n);
}

/** v / n (n > 0) rounded half away from zero: C's (v +- n/2) / n, truncating. */
export function rdiv(v: number, n: number): number {
  v = v > 0 ? v + (n >> 1) : v - (n >> 1);
  return (v - (v % n)) / n;
}

/** v clamped to int8. */
export function clamp8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/**
 * One spatial dim of a windowed op: checks the file's output size against TFLite's rule
 * (SAME: ceil(n / s); VALID: ceil((n - eff + 1) / s)) and returns the leading pad
 * (ComputePaddingHeightWidth).
 */
export function padAxis(same: boolean, s: number, d: number, n: number, k: number, out: number): number {
  const eff = (k - 1) * d + 1;
  check(out === ((n + s - (same ? 1 : eff)) / s) >> 0);
  const total = (out - 1) * s + eff - n;
  return same && total > 0 ? total >> 1 : 0;
}

/** Throws "bad shapes" (or msg) unless cond. */
export function check(cond: boolean, msg?: string): void {
  // (prepare only: load() prefixes "edgeqrt: operator k (TYPE): ")
  if (!cond) throw new Error(msg || "bad shapes");
}

/** Requantization of an op's output: per-channel multipliers and shifts, activation range, output zero point. */
export interface Q {
  m: Int32Array;
  l: Int32Array;
  r: Int32Array;
  lo: number;
  hi: number;
  yz: number;
}

/**
 * Q of the real multipliers `reals` (done once at load), fused activation `act` (TFLite's codes:
 * 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6; its range as CalculateActivationRangeQuantized:
 * zero point + round(float(f / scale)), within int8), output Y; its fields are added to o (a Geom's
 * geometry) when given.
 */
export function quant<G>(reals: number[], act: number, Y: RtTensor, o?: G): Q & G {
  const n = reals.length;
  const m = zeros(n);
  const l = zeros(n);
  const r = zeros(n);
  for (let i = n; i--; ) {
    const qm = quantizeMultiplier(reals[i] as number);
    const s = qm[1] as number;
    m[i] = qm[0] as number;
    l[i] = s > 0 ? s : 0;
    r[i] = (l[i] as number) - s;
  }
  const q = (f: number) => clamp8(Y.zq + roundAway(fround(f / Y.sq)));
  const g = (o || {}) as Q & G;
  g.m = m;
  g.l = l;
  g.r = r;
  // (no bound: +-Infinity, which clamp to int8's ends)
  g.lo = q(act === 2 ? -1 : act & 1 ? 0 : -1 / 0);
  g.hi = q(act === 2 ? 1 : act === 3 ? 6 : 1 / 0);
  g.yz = Y.zq;
  return g;
}

/** Requantizes int32 acc of channel k: MultiplyByQuantizedMultiplier, + zero point, clamped (integer only). */
export function rq(q: Q, k: number, acc: number): number {
  return clampQ(q, mq(q, k, acc | 0) + q.yz);
}

/** v clamped to q's activation range. */
export function clampQ(q: Q, v: number): number {
  return v < q.lo ? q.lo : v > q.hi ? q.hi : v;
}

/** Bias B as an Int32Array of n (its view into the model; zeros when absent). */
export function bias(B: RtTensor | undefined, n: number): Int32Array {
  // (every tensor an op names has a view by now)
  if (!B) return zeros(n);
  check(B.nel === n);
  return B.d as Int32Array;
}
