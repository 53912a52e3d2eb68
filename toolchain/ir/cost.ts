/**
 * Compute and size of a Graph: MACs and FLOPs per op, parameters, weight bytes, and for each
 * depthwise-separable block (DEPTHWISE_CONV_2D feeding a 1x1 CONV_2D) what a standard KxK
 * convolution with the same input/output channels would cost instead.
 *
 * Conventions: a MAC is one multiply-accumulate; FLOPs = 2 * MACs for CONV_2D,
 * DEPTHWISE_CONV_2D (2*bs*ic*oh*ow*kh*kw*mult) and FULLY_CONNECTED; element-wise ops,
 * pools and MEAN count one FLOP per element touched, SOFTMAX three per element; data
 * movement (RESHAPE, PAD, CONCATENATION, QUANTIZE, DEQUANTIZE) counts 0. Bias adds are
 * not counted. Params are the elements of constant inputs of CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED, ADD and MUL (weights, biases, per-channel constants).
 */
import { numel } from "./shapes.js";
import type { Graph, Op, OpType } from "./types.js";

export interface OpCost {
  macs: number;
  flops: number;
  params: number;
  /** Bytes of the op's constant inputs (weights, biases, shape/axis operands). */
  weightBytes: number;
}

export interface SeparableBlock {
  /** Op indices of the depthwise and the pointwise conv. */
  depthwise: number;
  pointwise: number;
  kernel: [number, number];
  inChannels: number;
  outChannels: number;
  macs: number;
  params: number;
  /** A standard KxK CONV_2D from inChannels to outChannels with the same output size. */
  standardMacs: number;
  standardParams: number;
  /** standardMacs / macs. */
  macRatio: number;
}

export interface GraphCost {
  macs: number;
  flops: number;
  params: number;
  /** Bytes of all constant tensors (each counted once). */
  weightBytes: number;
  ops: (OpCost & { index: number; type: OpType })[];
  separable: SeparableBlock[];
}

const shapeOf = (g: Graph, i: number | undefined): number[] =>
  i === undefined ? [] : (g.tensors[i]?.shape ?? []);

const LEARNED = new Set<OpType>(["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MUL"]);

/** MACs, FLOPs, params and constant bytes of one op (shapes assumed checked by checkGraph). */
export function opCost(g: Graph, op: Op): OpCost {
  const out = numel(shapeOf(g, op.outputs[0]));
  const inp = numel(shapeOf(g, op.inputs[0]));
  let macs = 0;
  let flops = 0;
  switch (op.type) {
    case "CONV_2D": {
      // out [N,OH,OW,OC] x filter [OC,KH,KW,IC]
      const [, kh = 0, kw = 0, ic = 0] = shapeOf(g, op.inputs[1]);
      macs = out * kh * kw * ic;
      flops = 2 * macs;
      break;
    }
    case "DEPTHWISE_CONV_2D": {
      // out [N,OH,OW,IC*mult] x filter [1,KH,KW,IC*mult]: 2*bs*ic*oh*ow*kh*kw*mult FLOPs
      const [, kh = 0, kw = 0] = shapeOf(g, op.inputs[1]);
      macs = out * kh * kw;
      flops = 2 * macs;
      break;
    }
    case "FULLY_CONNECTED": {
      // out [rows, OC] x weights [OC, IC]
      const [, ic = 0] = shapeOf(g, op.inputs[1]);
      macs = out * ic;
      flops = 2 * macs;
      break;
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      flops = out * op.options.filterH * op.options.filterW;
      break;
    case "MEAN":
      flops = inp;
      break;
    case "ADD":
    case "MUL":
    case "RELU":
    case "RELU6":
      flops = out;
      break;
    case "SOFTMAX":
      flops = 3 * out;
      break;
    default:
      break;
  }
  let params = 0;
  let weightBytes = 0;
  for (const i of op.inputs) {
    const t = g.tensors[i];
    if (!t?.data) continue;
    weightBytes += t.data.byteLength;
    if (LEARNED.has(op.type)) params += t.data.length;
  }
  return { macs, flops, params, weightBytes };
}

function separableBlocks(g: Graph, costs: OpCost[]): SeparableBlock[] {
  const blocks: SeparableBlock[] = [];
  const consumers = new Map<number, number[]>();
  g.ops.forEach((o, j) => {
    for (const i of new Set(o.inputs)) consumers.set(i, [...(consumers.get(i) ?? []), j].slice(0, 2));
  });
  g.ops.forEach((dw, k) => {
    if (dw.type !== "DEPTHWISE_CONV_2D") return;
    const users = consumers.get(dw.outputs[0] ?? -1) ?? [];
    const j = users[0];
    const pw = j === undefined ? undefined : g.ops[j];
    if (users.length !== 1 || !pw || j === undefined || pw.type !== "CONV_2D") return;
    const [oc = 0, pkh, pkw] = shapeOf(g, pw.inputs[1]);
    if (pkh !== 1 || pkw !== 1) return;
    const [, kh = 0, kw = 0] = shapeOf(g, dw.inputs[1]);
    const ic = shapeOf(g, dw.inputs[0])[3] ?? 0;
    const pixels = numel(shapeOf(g, pw.outputs[0])) / Math.max(1, oc);
    const macs = costs[k]!.macs + costs[j]!.macs;
    const standardMacs = pixels * oc * kh * kw * ic;
    const hasBias = (dw.inputs[2] ?? -1) >= 0 || (pw.inputs[2] ?? -1) >= 0;
    blocks.push({
      depthwise: k,
      pointwise: j,
      kernel: [kh, kw],
      inChannels: ic,
      outChannels: oc,
      macs,
      params: costs[k]!.params + costs[j]!.params,
      standardMacs,
      standardParams: kh * kw * ic * oc + (hasBias ? oc : 0),
      macRatio: macs > 0 ? standardMacs / macs : 0,
    });
  });
  return blocks;
}

/** Totals over the graph, per-op costs, and the separable blocks with their standard-conv equivalent. */
export function graphCost(g: Graph): GraphCost {
  const costs = g.ops.map((op) => opCost(g, op));
  const ops = costs.map((c, index) => ({ index, type: g.ops[index]!.type, ...c }));
  const sum = (f: (c: OpCost) => number) => costs.reduce((s, c) => s + f(c), 0);
  const weightBytes = g.tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0), 0);
  return {
    macs: sum((c) => c.macs),
    flops: sum((c) => c.flops),
    params: sum((c) => c.params),
    weightBytes,
    ops,
    separable: separableBlocks(g, costs),
  };
}
