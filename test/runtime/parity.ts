/**
 * Op-by-op parity of the runtime against native TFLite 2.9 (test/oracles/native.ts).
 *
 * The native model is the same graph with every op output also made a graph output, so native
 * TFLite returns every intermediate tensor. The runtime runs the original graph; after each op
 * (onOp) its output is compared with native's, then overwritten with native's values, so every
 * op of a chain is checked on identical inputs.
 *
 * Known, exactly characterised differences of native TFLite 2.9 (each recognised per value and
 * counted, never tolerated wholesale):
 * - CONV_2D / FULLY_CONNECTED go through ruy, whose final rounding shift rounds half up: where
 *   v = SaturatingRoundingDoublingHighMul(acc << l, m) is a negative exact tie for the right
 *   shift r, native gives the reference value + 1. The test recomputes acc from the op's inputs
 *   and weights, and v with BigInt, and accepts the value only if it is such a tie.
 * - SOFTMAX int8 goes through optimized_ops::Softmax (a float32 table of expf) where the runtime
 *   follows the reference fixed-point kernel (as TFLite Micro). They agree on almost every value
 *   (94k random values tried); on real data a value whose real softmax sits near .5 of a step can
 *   round one apart. The test recomputes native's float32 kernel (softmax-lut.ts) and accepts a
 *   difference only where native equals that emulation and the runtime is one step away.
 * - MEAN: the runtime follows current TFLite Micro (the count folded into an integer multiplier,
 *   every case); TFLite 2.9 truncates when input and output quantization are equal, computes in
 *   float when they differ (but for keep_dims over {1, 2}), and divides after requantizing in
 *   that case. Each differing value is accepted only where the runtime equals TFLite Micro's MEAN
 *   and native equals TFLite 2.9's, both recomputed independently (mean-emulation.ts).
 */

import { load as loadFast } from "../../runtime-int8/src/addons/fast/fast.js";
import type { Graph, Op } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import type { Case } from "./gen.js";
import { explainMean } from "./mean-emulation.js";
import { qmul } from "./quantize-multiplier.js";
import { nativeSoftmaxValue } from "./softmax-lut.js";

export interface Tally {
  cases: number;
  values: number;
  ties: number;
  /** SOFTMAX values where native's float32 table kernel rounds one step from the reference. */
  softmaxLut?: number;
  /** MEAN values where native 2.9 (float or truncating paths) differs from TFLite Micro's integer MEAN. */
  meanMicro?: number;
}

export function newTally(): Tally {
  return { cases: 0, values: 0, ties: 0 };
}

function srdhmBig(a: number, b: number): number {
  if (a === -(2 ** 31) && b === a) return 2 ** 31 - 1;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n));
}

function actRange(act: string, scale: number, zp: number): [number, number] {
  const q = (f: number) => zp + Math.sign(f / scale) * Math.round(Math.abs(Math.fround(f / scale)));
  if (act === "RELU") return [Math.max(-128, q(0)), 127];
  if (act === "RELU6") return [Math.max(-128, q(0)), Math.min(127, q(6))];
  return [-128, 127];
}

/** The accumulator of output element e of a CONV_2D / FULLY_CONNECTED op, from its input values. */
function accumulator(g: Graph, op: Op, x: Int8Array, e: number): { acc: number; ch: number } {
  const X = g.tensors[op.inputs[0] as number]!;
  const W = g.tensors[op.inputs[1] as number]!;
  const w = W.data as Int8Array;
  const bIdx = op.inputs[2] ?? -1;
  const bias = bIdx >= 0 ? (g.tensors[bIdx]!.data as Int32Array) : undefined;
  const xz = X.quant!.zeroPoint[0] as number;
  if (op.type === "FULLY_CONNECTED") {
    const [oc, k] = W.shape as [number, number];
    const b = Math.floor(e / oc);
    const ch = e % oc;
    let acc = bias ? (bias[ch] as number) : 0;
    // the weights' zero point (0 from TFLite's converter; any value in the reference kernel)
    const wz = (W.quant?.zeroPoint[0] as number | undefined) ?? 0;
    for (let i = 0; i < k; i++) acc += ((x[b * k + i] as number) - xz) * ((w[ch * k + i] as number) - wz);
    return { acc, ch };
  }
  if (op.type !== "CONV_2D") throw new Error("accumulator: not a conv");
  const o = op.options;
  const [, h, wd, c] = X.shape as [number, number, number, number];
  const [oc, kh, kw] = W.shape as [number, number, number];
  const Y = g.tensors[op.outputs[0] as number]!;
  const [, oh, ow] = Y.shape as [number, number, number];
  const ch = e % oc;
  const ox = Math.floor(e / oc) % ow;
  const oy = Math.floor(e / oc / ow) % oh;
  const n = Math.floor(e / oc / ow / oh);
  const padOf = (inS: number, outS: number, k: number, s: number, d: number) =>
    o.padding === "SAME" ? Math.max(0, Math.floor(((outS - 1) * s + (k - 1) * d + 1 - inS) / 2)) : 0;
  const ph = padOf(h, oh, kh, o.strideH, o.dilationH);
  const pw = padOf(wd, ow, kw, o.strideW, o.dilationW);
  let acc = bias ? (bias[ch] as number) : 0;
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++) {
      const iy = oy * o.strideH - ph + ky * o.dilationH;
      const ix = ox * o.strideW - pw + kx * o.dilationW;
      if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
      for (let i = 0; i < c; i++)
        acc +=
          ((x[((n * h + iy) * wd + ix) * c + i] as number) - xz) *
          (w[((ch * kh + ky) * kw + kx) * c + i] as number);
    }
  return { acc, ch };
}

/** Reference value and native's half-up value of a conv/fc output; throws unless it is a negative tie. */
function explainTie(
  g: Graph,
  op: Op,
  x: Int8Array,
  e: number,
  mine: number,
  native: number,
  where: string,
): void {
  const { acc, ch } = accumulator(g, op, x, e);
  const X = g.tensors[op.inputs[0] as number]!;
  const W = g.tensors[op.inputs[1] as number]!;
  const Y = g.tensors[op.outputs[0] as number]!;
  const ws = W.quant!.scale.length > 1 ? (W.quant!.scale[ch] as number) : (W.quant!.scale[0] as number);
  const [m, s] = qmul(((X.quant!.scale[0] as number) * ws) / (Y.quant!.scale[0] as number));
  const l = Math.max(s, 0);
  const r = Math.max(-s, 0);
  const v = srdhmBig((acc | 0) << l, m);
  const zp = Y.quant!.zeroPoint[0] as number;
  const [lo, hi] = actRange(
    (op.options as { activation: string }).activation,
    Y.quant!.scale[0] as number,
    zp,
  );
  const clamp = (q: number) => Math.min(hi, Math.max(lo, q + zp));
  const mask = 2 ** r - 1;
  const ref = clamp((v >> r) + ((v & mask) > (mask >> 1) + (v < 0 ? 1 : 0) ? 1 : 0));
  const tie = r > 0 && v < 0 && (v & mask) === 2 ** (r - 1);
  const halfUp = clamp(r > 0 ? (v + 2 ** (r - 1)) >> r : v);
  if (mine !== ref || !tie || native !== halfUp)
    throw new Error(
      `${where}: element ${e} runtime ${mine} native ${native}; acc ${acc} m ${m} shift ${s} v ${v} reference ${ref} tie ${tie} half-up ${halfUp}`,
    );
}

/** Throws unless native's SOFTMAX value is exactly what its float32 table kernel gives. */
function explainSoftmax(g: Graph, op: Op, x: Int8Array, e: number, native: number, where: string): void {
  const X = g.tensors[op.inputs[0] as number]!;
  const Y = g.tensors[op.outputs[0] as number]!;
  const depth = X.shape[X.shape.length - 1] as number;
  const beta = op.type === "SOFTMAX" ? op.options.beta : 1;
  const lut = nativeSoftmaxValue(
    x,
    depth,
    e,
    X.quant!.scale[0]!,
    beta,
    Y.quant!.scale[0]!,
    Y.quant!.zeroPoint[0]!,
  );
  if (lut !== native)
    throw new Error(
      `${where}: element ${e} native ${native} is neither the reference nor its float32 table (${lut})`,
    );
}

/** What checkCase runs: the runtime's load (by default the TypeScript sources with the host kernels of src/fast.ts). */
export type Load = (bytes: Uint8Array) => Pick<ReturnType<typeof loadFast>, "input" | "invoke" | "tensor">;

/** Runs one case on the runtime and native TFLite; throws on any unexplained difference. */
export function checkCase(c: Case, tally: Tally, load: Load = loadFast): void {
  const g = c.graph;
  const bytes = writeTflite(g);
  const all: number[] = [];
  for (const op of g.ops) for (const t of op.outputs) if (!all.includes(t)) all.push(t);
  const native = loadNative(writeTflite({ ...g, outputs: all }));
  const nat = native.run(c.inputs);
  const m = load(bytes);
  c.inputs.forEach((x, i) => {
    m.input(i).set(x);
  });
  m.invoke((k) => {
    const op = g.ops[k]!;
    // every output (SPLIT and UNPACK have several)
    for (const t of op.outputs) {
      const mine = m.tensor(t);
      const theirs = nat[all.indexOf(t)]!;
      const where = `${c.name}: op ${k} ${op.type} output ${t}`;
      if (mine.length !== theirs.length)
        throw new Error(`${where}: ${mine.length} values, native ${theirs.length}`);
      for (let e = 0; e < mine.length; e++) {
        tally.values++;
        const a = mine[e] as number;
        const b = theirs[e] as number;
        if (Object.is(a, b)) continue;
        if (op.type === "CONV_2D" || op.type === "FULLY_CONNECTED") {
          explainTie(g, op, m.tensor(op.inputs[0] as number) as Int8Array, e, a, b, where);
          tally.ties++;
        } else if (op.type === "SOFTMAX" && Math.abs(a - b) === 1) {
          explainSoftmax(g, op, m.tensor(op.inputs[0] as number) as Int8Array, e, b, where);
          tally.softmaxLut = (tally.softmaxLut ?? 0) + 1;
        } else if (op.type === "MEAN") {
          explainMean(g, op, m.tensor(op.inputs[0] as number), e, a, b, where);
          tally.meanMicro = (tally.meanMicro ?? 0) + 1;
        } else throw new Error(`${where}: element ${e} runtime ${a} native ${b}`);
      }
      mine.set(theirs as never);
    }
  });
  tally.cases++;
}
