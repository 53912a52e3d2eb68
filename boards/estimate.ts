/**
 * Model-side numbers for the fit check, from the Graph IR: MACs and element counts per op,
 * an arena estimate (when the runtime cannot be asked), and the constant tensors.
 */
import type { Graph, Op, OpType } from "../toolchain/ir/types.js";

export interface OpRow {
  index: number;
  type: OpType;
  /** Multiply-accumulates (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED), window reads for pools. */
  macs: number;
  /** Elements of output 0 and of input 0. */
  outElems: number;
  inElems: number;
}

export interface ModelSummary {
  modelBytes: number;
  ops: OpRow[];
  opTypes: OpType[];
  /** Activation arena bytes; `arenaSource` says whether the runtime reported it or it is estimated. */
  arenaBytes: number;
  arenaSource: "runtime" | "estimate";
  constTensors: number;
  activationTensors: number;
  /** Sum of per-channel quant parameters (multipliers/shifts the runtime keeps per channel). */
  channelParams: number;
  totalMacs: number;
}

const elems = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  int64: 8,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** MACs of one op (shape arithmetic only; see the OpRow.macs comment). */
export function opMacs(g: Graph, op: Op): number {
  const out = g.tensors[op.outputs[0]!];
  const w = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? g.tensors[op.inputs[1]] : undefined;
  if (!out) return 0;
  const n = elems(out.shape);
  switch (op.type) {
    case "CONV_2D": {
      // out [N,H,W,C] x weights [C,kh,kw,inC]
      const s = w?.shape ?? [1, 1, 1, 1];
      return n * (s[1] ?? 1) * (s[2] ?? 1) * (s[3] ?? 1);
    }
    case "DEPTHWISE_CONV_2D": {
      // out [N,H,W,C] x weights [1,kh,kw,C]
      const s = w?.shape ?? [1, 1, 1, 1];
      return n * (s[1] ?? 1) * (s[2] ?? 1);
    }
    case "FULLY_CONNECTED": {
      // out [B,outC] x weights [outC,inC]
      const s = w?.shape ?? [1, 1];
      return n * (s[1] ?? 1);
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      return n * op.options.filterH * op.options.filterW;
    default:
      return 0;
  }
}

/**
 * Arena estimate when the runtime is not available: walk the ops in order, keep each
 * activation alive from the op that writes it to the last op that reads it, and take the
 * largest sum of live activation bytes (what a first-fit planner needs at least).
 */
export function estimateArena(g: Graph): number {
  const isAct = (t: number): boolean =>
    t >= 0 && g.tensors[t] !== undefined && g.tensors[t]!.data === undefined;
  const last = new Map<number, number>();
  const first = new Map<number, number>();
  for (const t of g.inputs) first.set(t, 0);
  g.ops.forEach((op, i) => {
    for (const t of op.outputs) if (isAct(t) && !first.has(t)) first.set(t, i);
    for (const t of op.inputs) if (isAct(t)) last.set(t, i);
  });
  for (const t of g.outputs) last.set(t, g.ops.length);
  let peak = 0;
  for (let i = 0; i < g.ops.length; i++) {
    let live = 0;
    for (const [t, f] of first) {
      const l = last.get(t) ?? f;
      if (f <= i && l >= i) {
        const x = g.tensors[t]!;
        live += elems(x.shape) * (BYTES[x.dtype] ?? 1);
      }
    }
    peak = Math.max(peak, live);
  }
  return peak;
}

/** Summarises a graph for fit(); pass `arenaBytes` when the runtime reported it. */
export function summarize(g: Graph, modelBytes: number, arenaBytes?: number): ModelSummary {
  const ops = g.ops.map((op, index) => {
    const o = g.tensors[op.outputs[0]!];
    const x = op.inputs[0] !== undefined && op.inputs[0] >= 0 ? g.tensors[op.inputs[0]] : undefined;
    return {
      index,
      type: op.type,
      macs: opMacs(g, op),
      outElems: o ? elems(o.shape) : 0,
      inElems: x ? elems(x.shape) : 0,
    };
  });
  const consts = g.tensors.filter((t) => t.data !== undefined);
  return {
    modelBytes,
    ops,
    opTypes: [...new Set(g.ops.map((o) => o.type))],
    arenaBytes: arenaBytes ?? estimateArena(g),
    arenaSource: arenaBytes === undefined ? "estimate" : "runtime",
    constTensors: consts.length,
    activationTensors: g.tensors.length - consts.length,
    channelParams: g.ops.reduce((a, op) => {
      const w = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? g.tensors[op.inputs[1]] : undefined;
      return (
        a + (op.type.endsWith("CONV_2D") || op.type === "FULLY_CONNECTED" ? (w?.quant?.scale.length ?? 1) : 0)
      );
    }, 0),
    totalMacs: ops.reduce((a, o) => a + o.macs, 0),
  };
}
