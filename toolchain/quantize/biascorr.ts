/**
 * Empirical bias correction (Nagel et al. 2019, sec. 4.2): weight rounding shifts each
 * output channel's mean by E[(W_q - W) x]. Measured on the float activations of the
 * calibration samples and subtracted from the float bias before bias quantization.
 */
import { conv2d, depthwiseConv2d, fullyConnected } from "../exec/conv.js";
import { runFloat } from "../exec/float.js";
import type { Graph, Op } from "../ir/types.js";
import { quantizeWeights } from "./params.js";
import { outChannels } from "./rewrite.js";

export interface BiasCorrection {
  /** Tensor index of the bias in the float graph -> corrected float bias. */
  bias: Map<number, Float32Array>;
  /** Per layer (output name): the largest |shift| removed, relative to the bias quantum. */
  shifts: { name: string; maxShift: number }[];
}

type Weighted = Extract<Op, { type: "CONV_2D" | "DEPTHWISE_CONV_2D" | "FULLY_CONNECTED" }>;

/** Weight rounding error W_q * s - W for the op, with the same scales quantize() uses. */
export function weightError(g: Graph, o: Weighted, perChannel: boolean): Float32Array {
  const w = g.tensors[o.inputs[1]!]!.data as Float32Array;
  const { oc, channelOf } = outChannels(g, o);
  const q = quantizeWeights(w, perChannel ? oc : 1, perChannel ? channelOf : () => 0, 0);
  const d = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) d[i] = q.q[i]! * q.scale[perChannel ? channelOf(i) : 0]! - w[i]!;
  return d;
}

export function biasCorrection(
  f: Graph,
  samples: Float32Array[],
  perChannelOf: (o: Weighted) => boolean,
): BiasCorrection {
  const ops = f.ops.filter(
    (o): o is Weighted =>
      o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED",
  );
  const dws = ops.map((o) => weightError(f, o, perChannelOf(o)));
  const sums = ops.map((o) => new Float64Array(outChannels(f, o).oc));
  let count = 0;
  for (const x of samples) {
    const { values } = runFloat(f, [x]);
    count++;
    ops.forEach((o, k) => {
      const xi = values[o.inputs[0]!]!;
      const xs = f.tensors[o.inputs[0]!]!.shape;
      const ws = f.tensors[o.inputs[1]!]!.shape;
      const opt = { ...o.options, activation: "NONE" as const };
      const r =
        o.type === "CONV_2D"
          ? conv2d(xi, xs, dws[k]!, ws, undefined, opt as Extract<Op, { type: "CONV_2D" }>["options"])
          : o.type === "DEPTHWISE_CONV_2D"
            ? depthwiseConv2d(
                xi,
                xs,
                dws[k]!,
                ws,
                undefined,
                opt as Extract<Op, { type: "DEPTHWISE_CONV_2D" }>["options"],
              )
            : fullyConnected(
                xi,
                xs,
                dws[k]!,
                ws,
                undefined,
                opt as Extract<Op, { type: "FULLY_CONNECTED" }>["options"],
              );
      const s = sums[k]!;
      const oc = s.length;
      const per = r.y.length / oc;
      for (let i = 0; i < r.y.length; i++) s[i % oc] = s[i % oc]! + r.y[i]! / per;
    });
  }
  const bias = new Map<number, Float32Array>();
  const shifts: BiasCorrection["shifts"] = [];
  ops.forEach((o, k) => {
    const bi = o.inputs[2] ?? -1;
    if (bi < 0) return;
    const b = f.tensors[bi]!.data as Float32Array;
    const nb = new Float32Array(b);
    let mx = 0;
    sums[k]!.forEach((v, c) => {
      const shift = v / count;
      nb[c] = nb[c]! - shift;
      mx = Math.max(mx, Math.abs(shift));
    });
    bias.set(bi, nb);
    shifts.push({ name: f.tensors[o.outputs[0]!]!.name, maxShift: mx });
  });
  return { bias, shifts };
}

/** conv / depthwise / FC without activation: x [op input shape] -> pre-activation output. */
function preActivation(
  o: Weighted,
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  b?: Float32Array,
): Float32Array {
  const opt = { ...o.options, activation: "NONE" as const };
  if (o.type === "CONV_2D")
    return conv2d(x, xs, w, ws, b, opt as Extract<Op, { type: "CONV_2D" }>["options"]).y;
  if (o.type === "DEPTHWISE_CONV_2D")
    return depthwiseConv2d(x, xs, w, ws, b, opt as Extract<Op, { type: "DEPTHWISE_CONV_2D" }>["options"]).y;
  return fullyConnected(x, xs, w, ws, b, opt as Extract<Op, { type: "FULLY_CONNECTED" }>["options"]).y;
}

/**
 * Activation-aware bias correction on the int8 graph `q` (ops aligned 1:1 with the float
 * graph `f`): runs both (q as the fake-quantized simulation of int8 inference) over the
 * samples, measures per output channel the mean pre-activation shift of each weighted op
 * (from its quantized input and weights), and subtracts it from the int32 bias, in op
 * order, one layer at a time so each correction sees the corrected layers before it.
 * Returns the largest shift removed per layer, in bias quanta.
 */
export function correctInt8Biases(
  q: Graph,
  f: Graph,
  samples: Float32Array[],
): { name: string; maxShift: number }[] {
  const out: { name: string; maxShift: number }[] = [];
  const fv = samples.map((x) => runFloat(f, [x]).values);
  q.ops.forEach((o, k) => {
    if (o.type !== "CONV_2D" && o.type !== "DEPTHWISE_CONV_2D" && o.type !== "FULLY_CONNECTED") return;
    const fo = f.ops[k]!;
    const bt = q.tensors[o.inputs[2] ?? -1];
    if (!bt?.data || !(bt.data instanceof Int32Array) || fo.type !== o.type) return;
    const xT = q.tensors[o.inputs[0]!]!;
    const wT = q.tensors[o.inputs[1]!]!;
    const wq = Float32Array.from(
      wT.data as Int8Array,
      (v, i) => v * wT.quant!.scale[wT.quant!.scale.length === 1 ? 0 : channelOfW(q, o, i)]!,
    );
    const wf = f.tensors[fo.inputs[1]!]!.data as Float32Array;
    const bf = f.tensors[fo.inputs[2] ?? -1]?.data as Float32Array | undefined;
    const { oc } = outChannels(q, o);
    const sums = new Float64Array(oc);
    // the int8 side up to this op: simulate only the ops before it
    const prefix: Graph = { ...q, ops: q.ops.slice(0, k), outputs: [o.inputs[0]!] };
    samples.forEach((x, s) => {
      const xq = runFloat(prefix, [x]).values[o.inputs[0]!]!;
      const xf = fv[s]![fo.inputs[0]!]!;
      const a = preActivation(o, xq, xT.shape, wq, wT.shape);
      const b = preActivation(fo as Weighted, xf, f.tensors[fo.inputs[0]!]!.shape, wf, wT.shape, bf);
      const bq = biasReal(q, o);
      const per = a.length / oc;
      for (let i = 0; i < a.length; i++) sums[i % oc] = sums[i % oc]! + (a[i]! + bq[i % oc]! - b[i]!) / per;
    });
    const xs = xT.quant!.scale[0]!;
    const ws = wT.quant!.scale;
    let mx = 0;
    const bd = bt.data;
    for (let c = 0; c < oc; c++) {
      const quantum = xs * ws[ws.length === 1 ? 0 : c]!;
      const d = Math.round(sums[c]! / samples.length / quantum);
      bd[c] = Math.max(-2147483647, Math.min(2147483647, bd[c]! - d));
      mx = Math.max(mx, Math.abs(d));
    }
    out.push({ name: q.tensors[o.outputs[0]!]!.name, maxShift: mx });
  });
  return out;
}

function channelOfW(g: Graph, o: Weighted, i: number): number {
  return outChannels(g, o).channelOf(i);
}

/** The int32 bias of a quantized weighted op in real units (implied scale). */
function biasReal(q: Graph, o: Weighted): Float32Array {
  const bt = q.tensors[o.inputs[2]!]!;
  const xs = q.tensors[o.inputs[0]!]!.quant!.scale[0]!;
  const ws = q.tensors[o.inputs[1]!]!.quant!.scale;
  return Float32Array.from(bt.data as Int32Array, (v, c) => v * xs * ws[ws.length === 1 ? 0 : c]!);
}
