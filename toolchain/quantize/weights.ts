/**
 * Quantizes the constants of a graph whose activations already carry int8 params: weights
 * int8 symmetric (per channel: CONV_2D axis 0, DEPTHWISE_CONV_2D axis 3; FULLY_CONNECTED per
 * tensor unless perChannelDense), biases int32 at inputScale * weightScale[c], and constant
 * operands of ADD / MUL / CONCATENATION int8 asymmetric per tensor. Checks the int32 bounds.
 */
import { EdgeqError } from "../errors.js";
import type { Graph, Op } from "../ir/types.js";
import {
  accumulatorBound,
  activationParams,
  INT32_MAX,
  quantizeBias,
  quantizeWeights,
  roundAway,
} from "./params.js";
import { outChannels } from "./rewrite.js";

export interface LayerWeightReport {
  /** The op's output tensor name (the layer name). */
  name: string;
  op: string;
  channels: number;
  perChannel: boolean;
  scaleMin: number;
  scaleMax: number;
  /** Per channel max |w| (float) and RMS weight quantization error. */
  absMax: number[];
  rmsError: number[];
  guardedChannels: number[];
  clampedBias: number[];
  /** Largest provable |int32 accumulator| over all inputs, and int32's limit. */
  accumulatorBound: number;
  /** Effective requantization multipliers in_scale * w_scale / out_scale (min, max). */
  multiplierMin: number;
  multiplierMax: number;
}

export interface ConstOptions {
  perTensor: boolean;
  /** Write quantization params on CONV_2D / DEPTHWISE_CONV_2D biases too (default false). */
  biasParams?: boolean;
  perChannelDense: boolean;
  warn(msg: string): void;
}

type Weighted = Extract<Op, { type: "CONV_2D" | "DEPTHWISE_CONV_2D" | "FULLY_CONNECTED" }>;

function quantizeWeighted(q: Graph, o: Weighted, opts: ConstOptions): LayerWeightReport {
  const outName = q.tensors[o.outputs[0]!]!.name;
  const inT = q.tensors[o.inputs[0]!]!;
  const outT = q.tensors[o.outputs[0]!]!;
  const wt = q.tensors[o.inputs[1]!]!;
  if (!(wt.data instanceof Float32Array))
    throw new EdgeqError("E_QUANT_WEIGHTS", `weights of '${outName}' are not float32 constants`, wt.name);
  const { oc, channelOf } = outChannels(q, o);
  const perChannel = o.type === "FULLY_CONNECTED" ? opts.perChannelDense : !opts.perTensor;
  const axis = perChannel && o.type === "DEPTHWISE_CONV_2D" ? 3 : 0;
  const wq = quantizeWeights(wt.data, perChannel ? oc : 1, perChannel ? channelOf : () => 0, axis);
  const nq = wq.scale.length;
  wt.data = wq.q;
  wt.dtype = "int8";
  wt.quant = { scale: wq.scale, zeroPoint: new Array<number>(nq).fill(0), axis };
  if (wq.guarded.length)
    opts.warn(
      `layer '${outName}': ${wq.guarded.length} all-zero or near-zero weight channel(s) [${wq.guarded.slice(0, 8)}] got a safe scale`,
    );
  const inScale = inT.quant!.scale[0]!;
  let bi = o.inputs[2] ?? -1;
  if (bi < 0) {
    q.tensors.push({ name: `${outName}/b`, shape: [oc], dtype: "float32", data: new Float32Array(oc) });
    bi = q.tensors.length - 1;
    o.inputs[2] = bi;
  }
  const bt = q.tensors[bi]!;
  if (!(bt.data instanceof Float32Array))
    throw new EdgeqError("E_QUANT_WEIGHTS", `bias of '${outName}' is not a float32 constant`, bt.name);
  const bq = quantizeBias(bt.data, inScale, wq.scale);
  bt.data = bq.q;
  bt.dtype = "int32";
  // TFLite's and TFLite Micro's int8 CONV_2D / DEPTHWISE_CONV_2D never read the bias's params
  // (they are implied: inputScale * weightScale[c]); FULLY_CONNECTED checks them. Leaving them
  // out of conv biases saves 4 bytes per channel plus a table.
  if (o.type === "FULLY_CONNECTED" || opts.biasParams)
    bt.quant = { scale: bq.scale, zeroPoint: new Array<number>(bq.scale.length).fill(0), axis: 0 };
  else delete bt.quant;
  if (bq.clamped.length)
    opts.warn(
      `layer '${outName}': bias of channel(s) [${bq.clamped.slice(0, 8)}] exceeds int32 and was clamped`,
    );
  const bound = accumulatorBound(wq.q, oc, channelOf, inT.quant!.zeroPoint[0]!, bq.q);
  const worst = Math.max(...bound);
  if (worst > INT32_MAX)
    throw new EdgeqError(
      "E_QUANT_OVERFLOW",
      `layer '${outName}': the int32 accumulator can reach ${worst} > 2^31-1; split the layer (fewer input channels or a smaller kernel)`,
      outName,
    );
  const outScale = outT.quant!.scale[0]!;
  const mult = wq.scale.map((s) => (inScale * s) / outScale);
  const tiny = mult.filter((m) => m < 2 ** -31).length;
  if (tiny)
    opts.warn(
      `layer '${outName}': ${tiny} channel(s) have a requantization multiplier below 2^-31 (their output rounds to the zero point)`,
    );
  return {
    name: outName,
    op: o.type,
    channels: oc,
    perChannel,
    scaleMin: Math.min(...wq.scale),
    scaleMax: Math.max(...wq.scale),
    absMax: wq.absMax,
    rmsError: wq.rmsError,
    guardedChannels: wq.guarded,
    clampedBias: bq.clamped,
    accumulatorBound: worst,
    multiplierMin: Math.min(...mult),
    multiplierMax: Math.max(...mult),
  };
}

/** Quantizes every float constant in place; returns a report per weighted layer. */
export function quantizeConstants(q: Graph, _float: Graph, opts: ConstOptions): LayerWeightReport[] {
  const reports: LayerWeightReport[] = [];
  const done = new Set<number>();
  for (const o of q.ops) {
    if (o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED") {
      if (done.has(o.inputs[1]!) || done.has(o.inputs[2] ?? -1))
        throw new EdgeqError(
          "E_QUANT_SHARED",
          `weights of '${q.tensors[o.outputs[0]!]!.name}' are shared with another op`,
        );
      reports.push(quantizeWeighted(q, o, opts));
      done.add(o.inputs[1]!);
      done.add(o.inputs[2] ?? -1);
      continue;
    }
    for (const ti of o.inputs) {
      const t = ti >= 0 ? q.tensors[ti] : undefined;
      if (!t?.data || !(t.data instanceof Float32Array) || done.has(ti)) continue;
      let mn = 0;
      let mx = 0;
      for (const v of t.data) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      const p = activationParams(mn, mx);
      const qd = new Int8Array(t.data.length);
      t.data.forEach((v, i) => {
        qd[i] = Math.max(-128, Math.min(127, roundAway(v / p.scale[0]!) + p.zeroPoint[0]!));
      });
      t.data = qd;
      t.dtype = "int8";
      t.quant = p;
      done.add(ti);
      if (o.type === "MUL" || o.type === "ADD")
        opts.warn(
          `${o.type} '${q.tensors[o.outputs[0]!]!.name}' has a constant operand that could not be folded into a conv`,
        );
    }
  }
  return reports;
}
