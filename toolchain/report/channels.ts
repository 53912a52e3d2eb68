/**
 * Channel-level view of a weight tensor: per-channel range, the scale per-channel and
 * per-tensor symmetric int8 quantization would pick (maxabs / 127, weights in [-127, 127]),
 * the quantization error of each, and the scale/error of the int8 model actually written.
 *
 * Flags (documented in the report):
 *   near-zero   the channel's max |w| is <= NEAR_ZERO_REL x the median channel's max |w|
 *               (or exactly 0): it carries (almost) nothing and per-channel gives it a tiny scale
 *   collapsed   under per-tensor quantization the channel spans fewer than COLLAPSE_LEVELS
 *               int8 steps (max |w_c| / per-tensor scale < 8): its weights round to a few values
 *   clipped     in the int8 model some |w| / scale exceeds 127.5: the scale is too small and
 *               the weight saturates at +-127
 */
import { roundAway } from "../quantize/params.js";

export const NEAR_ZERO_REL = 1e-3;
export const COLLAPSE_LEVELS = 8;

export interface ChannelStats {
  channel: number;
  min: number;
  max: number;
  maxAbs: number;
  /** Per-channel symmetric scale and the RMSE / SQNR (dB) it gives this channel. */
  pcScale: number;
  pcRmse: number;
  pcSqnrDb: number;
  /** The same with the single per-tensor scale. */
  ptRmse: number;
  ptSqnrDb: number;
  /** int8 steps this channel spans with the per-tensor scale. */
  ptLevels: number;
  /** The int8 model's scale for this channel and its error (when the int8 weights are known). */
  modelScale: number | null;
  modelRmse: number | null;
  clipped: number;
  flags: string[];
}

export interface WeightReport {
  /** Float weights' tensor name (from the model file: escape before display). */
  name: string;
  op: string;
  /** Index of the int8 op that uses these weights (set by weights.ts). */
  opIndex?: number;
  shape: number[];
  axis: number;
  ptScale: number;
  /** Whole-tensor SQNR (dB) per-channel vs per-tensor vs the int8 model. */
  pcSqnrDb: number;
  ptSqnrDb: number;
  modelSqnrDb: number | null;
  modelPerChannel: boolean | null;
  channels: ChannelStats[];
  flagged: { nearZero: number; collapsed: number; clipped: number };
}

/** Element indices grouped by channel along `axis` of `shape`. */
function channelOf(shape: readonly number[], axis: number): { count: number; at: (i: number) => number } {
  const count = shape[axis] ?? 1;
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { count, at: (i) => Math.floor(i / inner) % count };
}

/** Symmetric int8 fake-quant of one value: scale * clamp(round(w / scale), -127, 127). */
export function fakeQuant(w: number, scale: number): number {
  if (scale <= 0) return 0;
  return scale * Math.max(-127, Math.min(127, roundAway(w / scale)));
}

function db(signal: number, noise: number): number {
  if (noise === 0) return Number.POSITIVE_INFINITY;
  if (signal === 0) return Number.NEGATIVE_INFINITY;
  return 10 * Math.log10(signal / noise);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * w [prod(shape)] float weights, channels along `axis`;
 * model (optional): the int8 model's codes q [prod(shape)] and scales (1 = per-tensor, or one per channel).
 */
export function analyzeWeights(
  name: string,
  op: string,
  w: Float32Array,
  shape: number[],
  axis: number,
  model?: { q: ArrayLike<number>; scale: number[] },
): WeightReport {
  const ch = channelOf(shape, axis);
  const C = ch.count;
  const min = new Array<number>(C).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(C).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < w.length; i++) {
    const c = ch.at(i);
    const v = w[i]!;
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  }
  const maxAbs = min.map((m, c) => Math.max(Math.abs(m), Math.abs(max[c]!), 0));
  const ptScale = Math.max(...maxAbs, 0) / 127;
  const pcScale = maxAbs.map((m) => m / 127);
  const sig = new Array<number>(C).fill(0);
  const pcN = new Array<number>(C).fill(0);
  const ptN = new Array<number>(C).fill(0);
  const mdN = new Array<number>(C).fill(0);
  const clipped = new Array<number>(C).fill(0);
  const cnt = new Array<number>(C).fill(0);
  const modelScaleOf = (c: number): number | null =>
    model ? (model.scale.length === 1 ? model.scale[0]! : (model.scale[c] ?? null)) : null;
  for (let i = 0; i < w.length; i++) {
    const c = ch.at(i);
    const v = w[i]!;
    sig[c] = sig[c]! + v * v;
    cnt[c] = cnt[c]! + 1;
    const e1 = fakeQuant(v, pcScale[c]!) - v;
    const e2 = fakeQuant(v, ptScale) - v;
    pcN[c] = pcN[c]! + e1 * e1;
    ptN[c] = ptN[c]! + e2 * e2;
    const ms = modelScaleOf(c);
    if (model && ms !== null) {
      const e3 = ms * model.q[i]! - v;
      mdN[c] = mdN[c]! + e3 * e3;
      if (ms > 0 && Math.abs(v / ms) > 127.5) clipped[c] = clipped[c]! + 1;
    }
  }
  const med = median(maxAbs);
  const channels: ChannelStats[] = [];
  for (let c = 0; c < C; c++) {
    const k = Math.max(cnt[c]!, 1);
    const ms = modelScaleOf(c);
    const ptLevels = ptScale > 0 ? maxAbs[c]! / ptScale : 0;
    const flags: string[] = [];
    if (maxAbs[c] === 0 || maxAbs[c]! <= NEAR_ZERO_REL * med) flags.push("near-zero");
    if (ptLevels < COLLAPSE_LEVELS) flags.push("collapsed");
    if (clipped[c]! > 0) flags.push("clipped");
    channels.push({
      channel: c,
      min: min[c]!,
      max: max[c]!,
      maxAbs: maxAbs[c]!,
      pcScale: pcScale[c]!,
      pcRmse: Math.sqrt(pcN[c]! / k),
      pcSqnrDb: db(sig[c]!, pcN[c]!),
      ptRmse: Math.sqrt(ptN[c]! / k),
      ptSqnrDb: db(sig[c]!, ptN[c]!),
      ptLevels,
      modelScale: ms,
      modelRmse: model && ms !== null ? Math.sqrt(mdN[c]! / k) : null,
      clipped: clipped[c]!,
      flags,
    });
  }
  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  return {
    name,
    op,
    shape,
    axis,
    ptScale,
    pcSqnrDb: db(sum(sig), sum(pcN)),
    ptSqnrDb: db(sum(sig), sum(ptN)),
    modelSqnrDb: model ? db(sum(sig), sum(mdN)) : null,
    modelPerChannel: model ? model.scale.length > 1 : null,
    channels,
    flagged: {
      nearZero: channels.filter((c) => c.flags.includes("near-zero")).length,
      collapsed: channels.filter((c) => c.flags.includes("collapsed")).length,
      clipped: channels.filter((c) => c.flags.includes("clipped")).length,
    },
  };
}
