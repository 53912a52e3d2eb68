/**
 * Cross-layer equalisation (Nagel et al. 2019, "Data-Free Quantization"): for consecutive
 * weighted ops op1 -> op2 joined by a positively homogeneous activation (NONE or RELU; not
 * RELU6, whose clip is not scale-invariant), scale op1's output channel c by 1/s_c and op2's
 * input channel c by s_c, with s_c = sqrt(r1_c / r2_c), so both weight ranges become
 * sqrt(r1_c * r2_c). The float function is unchanged; per-tensor quantization gets easier.
 */
import type { Graph, Op } from "../ir/types.js";
import { consumerCounts, outChannels } from "./rewrite.js";

export interface EqualizePair {
  first: string;
  second: string;
  /** Ratio max/min of op1's per-channel weight ranges before and after. */
  spreadBefore: number;
  spreadAfter: number;
}

type Weighted = Extract<Op, { type: "CONV_2D" | "DEPTHWISE_CONV_2D" }>;

/** Per-input-channel accessor of op2's weights: calls f(index, inputChannel) for every element. */
function forInputChannels(g: Graph, op: Weighted, f: (i: number, c: number) => void): void {
  const ws = g.tensors[op.inputs[1]!]!.shape;
  const n = ws.reduce((a, b) => a * b, 1);
  if (op.type === "CONV_2D") {
    const ic = ws[3]!;
    for (let i = 0; i < n; i++) f(i, i % ic);
  } else {
    const oc = ws[3]!;
    const m = op.options.depthMultiplier || 1;
    for (let i = 0; i < n; i++) f(i, Math.floor((i % oc) / m));
  }
}

function channelAbsMax(g: Graph, op: Op, byInput: boolean, nch: number): number[] {
  const w = g.tensors[op.inputs[1]!]!.data as Float32Array;
  const r = new Array<number>(nch).fill(0);
  if (byInput) forInputChannels(g, op as Weighted, (i, c) => (r[c] = Math.max(r[c]!, Math.abs(w[i]!))));
  else {
    const { channelOf } = outChannels(g, op);
    for (let i = 0; i < w.length; i++) r[channelOf(i)] = Math.max(r[channelOf(i)]!, Math.abs(w[i]!));
  }
  return r;
}

const spread = (r: number[]): number => {
  const nz = r.filter((v) => v > 0);
  return nz.length ? Math.max(...nz) / Math.min(...nz) : 1;
};

/** Equalises every eligible pair in place (a few sweeps); returns what it changed. */
export function equalize(g: Graph, sweeps = 4): EqualizePair[] {
  const uses = consumerCounts(g);
  const producer = new Map<number, Op>();
  for (const o of g.ops) producer.set(o.outputs[0]!, o);
  const pairs: [Weighted, Weighted][] = [];
  for (const o2 of g.ops) {
    if (o2.type !== "CONV_2D" && o2.type !== "DEPTHWISE_CONV_2D") continue;
    const x = o2.inputs[0]!;
    const o1 = producer.get(x);
    if (!o1 || (o1.type !== "CONV_2D" && o1.type !== "DEPTHWISE_CONV_2D")) continue;
    if (uses[x] !== 1 || o1.options.activation === "RELU6") continue;
    const w1 = g.tensors[o1.inputs[1]!]!.data;
    const w2 = g.tensors[o2.inputs[1]!]!.data;
    if (!(w1 instanceof Float32Array) || !(w2 instanceof Float32Array)) continue;
    pairs.push([o1, o2]);
  }
  const before = pairs.map(([o1]) => spread(channelAbsMax(g, o1, false, outChannels(g, o1).oc)));
  for (let s = 0; s < sweeps; s++)
    for (const [o1, o2] of pairs) {
      const { oc, channelOf } = outChannels(g, o1);
      const r1 = channelAbsMax(g, o1, false, oc);
      const r2 = channelAbsMax(g, o2, true, oc);
      const sc = r1.map((a, c) => (a > 0 && r2[c]! > 0 ? Math.sqrt(a / r2[c]!) : 1));
      const w1 = g.tensors[o1.inputs[1]!]!.data as Float32Array;
      for (let i = 0; i < w1.length; i++) w1[i] = w1[i]! / sc[channelOf(i)]!;
      const bi = o1.inputs[2] ?? -1;
      const b1 = bi >= 0 ? (g.tensors[bi]!.data as Float32Array) : undefined;
      if (b1) for (let c = 0; c < oc; c++) b1[c] = b1[c]! / sc[c]!;
      const w2 = g.tensors[o2.inputs[1]!]!.data as Float32Array;
      forInputChannels(g, o2, (i, c) => (w2[i] = w2[i]! * sc[c]!));
    }
  return pairs.map(([o1, o2], k) => ({
    first: g.tensors[o1.outputs[0]!]!.name,
    second: g.tensors[o2.outputs[0]!]!.name,
    spreadBefore: before[k]!,
    spreadAfter: spread(channelAbsMax(g, o1, false, outChannels(g, o1).oc)),
  }));
}
