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
