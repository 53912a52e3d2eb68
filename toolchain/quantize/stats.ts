/** Helpers for the drift report: name matching between graphs and weight quantization stats. */
import { constValue } from "../exec/float.js";
import type { Graph } from "../ir/types.js";
import { outChannels } from "./rewrite.js";

/**
 * For each tensor of `int8`, the index of the tensor of `float` with the same name (the float
 * graph as imported, i.e. folded and fused), or undefined. Float-I/O wrapper tensors
 * (`<name>/f`) map to their named counterpart too.
 */
export function matchTensors(float: Graph, int8: Graph): (number | undefined)[] {
  const byName = new Map<string, number>();
  float.tensors.forEach((t, i) => {
    byName.set(t.name, i);
  });
  return int8.tensors.map((t) => byName.get(t.name) ?? byName.get(t.name.replace(/\/f$/, "")));
}

export interface WeightStats {
  /** Output tensor (layer) name. */
  name: string;
  op: string;
  channels: number;
  /** Number of weight scales (1 = per tensor). */
  scales: number;
  scaleMin: number;
  scaleMax: number;
  /** Per output channel: RMS of (dequantized - float) and the float weights' RMS, when float is given. */
  rmsError?: number[];
  rmsWeight?: number[];
  /** Per output channel: fraction of the int8 grid used, max |q| / 127. */
  gridUse: number[];
}

/** Per-layer weight quantization stats of an int8 graph, compared with `float` when given. */
export function weightStats(int8: Graph, float?: Graph): WeightStats[] {
  const fmap = float ? matchTensors(float, int8) : [];
  const out: WeightStats[] = [];
  for (const o of int8.ops) {
    if (o.type !== "CONV_2D" && o.type !== "DEPTHWISE_CONV_2D" && o.type !== "FULLY_CONNECTED") continue;
    const wt = int8.tensors[o.inputs[1]!]!;
    if (!(wt.data instanceof Int8Array) || !wt.quant) continue;
    const { oc, channelOf } = outChannels(int8, o);
    const gridUse = new Array<number>(oc).fill(0);
    for (let i = 0; i < wt.data.length; i++) {
      const c = channelOf(i);
      gridUse[c] = Math.max(gridUse[c]!, Math.abs(wt.data[i]!) / 127);
    }
    const s: WeightStats = {
      name: int8.tensors[o.outputs[0]!]!.name,
      op: o.type,
      channels: oc,
      scales: wt.quant.scale.length,
      scaleMin: Math.min(...wt.quant.scale),
      scaleMax: Math.max(...wt.quant.scale),
      gridUse,
    };
    const fi = fmap[o.inputs[1]!];
    const fw = fi !== undefined && float ? constValue(float.tensors[fi]!) : undefined;
    const dq = constValue(wt);
    if (fw && dq && fw.length === dq.length) {
      const e = new Array<number>(oc).fill(0);
      const w = new Array<number>(oc).fill(0);
      const n = new Array<number>(oc).fill(0);
      for (let i = 0; i < fw.length; i++) {
        const c = channelOf(i);
        e[c] = e[c]! + (dq[i]! - fw[i]!) ** 2;
        w[c] = w[c]! + fw[i]! ** 2;
        n[c] = n[c]! + 1;
      }
      s.rmsError = e.map((v, c) => Math.sqrt(v / n[c]!));
      s.rmsWeight = w.map((v, c) => Math.sqrt(v / n[c]!));
    }
    out.push(s);
  }
  return out;
}
