/**
 * Quantization parameters: int8 asymmetric activations, int8 symmetric weights (per channel
 * or per tensor) with guards for zero / near-zero channels, int32 biases, and the
 * accumulator bound that proves int32 cannot overflow.
 */
import type { QuantParams } from "../ir/types.js";

export const INT32_MAX = 2147483647;

/** Round half away from zero (C's round / TfLiteRound), unlike Math.round's half-up. */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Asymmetric int8 params for a float range (the range is widened to include 0, nudged as TFLite). */
export function activationParams(min: number, max: number): QuantParams {
  const lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (!(hi - lo > 1e-30)) hi = lo + 1e-6; // a constant-zero tensor: any small scale represents it exactly
  const scale = (hi - lo) / 255;
  const zp = Math.max(-128, Math.min(127, roundAway(-128 - lo / scale)));
  return { scale: [scale], zeroPoint: [zp], axis: 0, min: [lo], max: [hi] };
}

/** Inputs that are pixels / 255: scale 1/255, zp -128 represent every pixel exactly. */
export function isUnitRange(min: number, max: number): boolean {
  return min >= 0 && max <= 1 && max >= 0.5;
}

export const UNIT_INPUT: QuantParams = { scale: [1 / 255], zeroPoint: [-128], axis: 0, min: [0], max: [1] };

export interface WeightQuant {
  q: Int8Array;
  scale: number[];
  axis: number;
  /** Channels whose scale was raised because the channel was all zero or near zero. */
  guarded: number[];
  /** Per channel: max |w|, and the RMS quantization error of that channel. */
  absMax: number[];
  rmsError: number[];
}

/**
 * Symmetric int8 in [-127, 127]. `channelOf(i)` gives element i's channel (nch channels);
 * nch = 1 is per-tensor. A channel whose max |w| is zero or below 1e-6 of the largest
 * channel's gets the median scale of the others (its weights round to ~0, which they are).
 */
export function quantizeWeights(
  w: Float32Array,
  nch: number,
  channelOf: (i: number) => number,
  axis: number,
): WeightQuant {
  const absMax = new Array<number>(nch).fill(0);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    absMax[c] = Math.max(absMax[c]!, Math.abs(w[i]!));
  }
  const top = Math.max(...absMax);
  const guarded: number[] = [];
  const ok = absMax.filter((a) => a > 1e-6 * top && a > 1e-30).sort((a, b) => a - b);
  const median = ok.length ? ok[Math.floor(ok.length / 2)]! / 127 : 1;
  const scale = absMax.map((a, c) => {
    if (a > 1e-6 * top && a > 1e-30) return a / 127;
    guarded.push(c);
    return median;
  });
  const q = new Int8Array(w.length);
  const err = new Array<number>(nch).fill(0);
  const cnt = new Array<number>(nch).fill(0);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    const s = scale[c]!;
    const v = Math.max(-127, Math.min(127, roundAway(w[i]! / s)));
    q[i] = v;
    const d = v * s - w[i]!;
    err[c] = err[c]! + d * d;
    cnt[c] = cnt[c]! + 1;
  }
  return {
    q,
    scale,
    axis,
    guarded,
    absMax,
    rmsError: err.map((e, c) => Math.sqrt(e / Math.max(1, cnt[c]!))),
  };
}

/**
 * int32 bias with scale inputScale * weightScale[c] (one scale when the weights have one);
 * values past int32 are clamped and listed.
 */
export function quantizeBias(
  b: Float32Array,
  inputScale: number,
  wScale: number[],
): { q: Int32Array; scale: number[]; clamped: number[] } {
  const q = new Int32Array(b.length);
  const clamped: number[] = [];
  const scale = wScale.map((s) => inputScale * s);
  for (let c = 0; c < b.length; c++) {
    const v = roundAway(b[c]! / scale[scale.length === 1 ? 0 : c]!);
    if (Math.abs(v) > INT32_MAX) clamped.push(c);
    q[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, v));
  }
  return { q, scale, clamped };
}

/**
 * The largest |accumulator| any input can produce per output channel:
 * sum |w_q| * max|x_q - zp_in| + |b_q|, with x_q in [-128, 127] (padding reads zp, adding 0).
 */
export function accumulatorBound(
  wq: Int8Array,
  nch: number,
  channelOf: (i: number) => number,
  inputZp: number,
  bias: Int32Array | undefined,
): number[] {
  const span = Math.max(127 - inputZp, inputZp + 128);
  const s = new Array<number>(nch).fill(0);
  for (let i = 0; i < wq.length; i++) {
    const c = channelOf(i);
    s[c] = s[c]! + Math.abs(wq[i]!);
  }
  return s.map((v, c) => v * span + Math.abs(bias?.[c] ?? 0));
}
