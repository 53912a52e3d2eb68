/**
 * Float graph rewrites before quantization: fold BatchNorm (MUL + ADD by per-channel
 * constants) into the preceding CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, fuse a
 * following RELU / RELU6 into that op, and drop tensors nothing refers to.
 * The surviving tensor keeps the producing op's output name (e.g. the conv layer's name).
 */
import type { Graph, Op, Tensor } from "../ir/types.js";

/** A deep copy of the graph (tensor data copied), so rewrites never touch the caller's graph. */
export function cloneGraph(g: Graph): Graph {
  return {
    ...g,
    tensors: g.tensors.map((t): Tensor => {
      const c: Tensor = { ...t, shape: [...t.shape] };
      if (t.data) c.data = t.data.slice();
      if (t.quant) c.quant = { ...t.quant, scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint] };
      return c;
    }),
    ops: g.ops.map(
      (o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs], options: { ...o.options } }) as Op,
    ),
    inputs: [...g.inputs],
    outputs: [...g.outputs],
  };
}

/** How many ops (and graph outputs) read each tensor. */
export function consumerCounts(g: Graph): number[] {
  const n = new Array<number>(g.tensors.length).fill(0);
  for (const o of g.ops) for (const i of o.inputs) if (i >= 0) n[i] = n[i]! + 1;
  for (const i of g.outputs) n[i] = n[i]! + 1;
  return n;
}

const isWeighted = (o: Op): o is Extract<Op, { type: "CONV_2D" | "DEPTHWISE_CONV_2D" | "FULLY_CONNECTED" }> =>
  o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED";

/** Output channels of a weighted op and the function giving a weight element's channel. */
export function outChannels(g: Graph, o: Op): { oc: number; channelOf: (i: number) => number } {
  const ws = g.tensors[o.inputs[1]!]!.shape;
  if (o.type === "DEPTHWISE_CONV_2D") {
    const oc = ws[3]!;
    return { oc, channelOf: (i) => i % oc };
  }
  const oc = ws[0]!;
  const inner = ws.slice(1).reduce((a, b) => a * b, 1);
  return { oc, channelOf: (i) => Math.floor(i / inner) };
}

function perChannelConst(g: Graph, ti: number, oc: number): Float32Array | undefined {
  const t = g.tensors[ti];
  if (!t?.data || !(t.data instanceof Float32Array)) return undefined;
  if (t.data.length === oc) return t.data;
  if (t.data.length === 1) return new Float32Array(oc).fill(t.data[0]!);
  return undefined;
}

/** Replaces every read of tensor `from` by `to` (ops and graph outputs). */
function redirect(g: Graph, from: number, to: number): void {
  for (const o of g.ops) o.inputs = o.inputs.map((i) => (i === from ? to : i));
  g.outputs = g.outputs.map((i) => (i === from ? to : i));
}

/**
 * Repeats until nothing changes: finds the first op whose input 0 comes from a producer that
 * only it reads (and that is no graph output), lets `absorb(op, producer)` merge the op into the
 * producer (false: leave it), then points the op's readers at that input and deletes the op.
 * Returns the number of ops absorbed.
 */
function absorbIntoProducers(g: Graph, absorb: (o: Op, p: Op) => boolean): number {
  let n = 0;
  for (let again = true; again; ) {
    again = false;
    const uses = consumerCounts(g);
    const producer = new Map<number, Op>();
    for (const o of g.ops) producer.set(o.outputs[0]!, o);
    for (let k = 0; k < g.ops.length; k++) {
      const o = g.ops[k]!;
      const a = o.inputs[0]!;
      const p = producer.get(a);
      if (!p || uses[a] !== 1 || g.outputs.includes(a)) continue;
      if (!absorb(o, p)) continue;
      redirect(g, o.outputs[0]!, a);
      g.ops.splice(k, 1);
      n++;
      again = true;
      break;
    }
  }
  return n;
}

/** Folds MUL/ADD by per-channel constants into the producing weighted op; returns folds done. */
export function foldBatchNorm(g: Graph): number {
  return absorbIntoProducers(g, (o, p) => {
    if (o.type !== "MUL" && o.type !== "ADD") return false;
    if (o.options.activation !== "NONE") return false;
    const [a, c] = o.inputs as [number, number];
    if (!isWeighted(p) || p.options.activation !== "NONE") return false;
    const { oc, channelOf } = outChannels(g, p);
    const v = perChannelConst(g, c, oc);
    if (!v) return false;
    const w = g.tensors[p.inputs[1]!]!;
    if (!(w.data instanceof Float32Array)) return false;
    let bi = p.inputs[2] ?? -1;
    if (bi < 0) {
      g.tensors.push({
        name: `${g.tensors[a]!.name}/b`,
        shape: [oc],
        dtype: "float32",
        data: new Float32Array(oc),
      });
      bi = g.tensors.length - 1;
      p.inputs[2] = bi;
    }
    const bt = g.tensors[bi]!;
    if (!(bt.data instanceof Float32Array)) return false;
    // Weights and bias are per-op constants from import, so they are updated in place.
    if (o.type === "MUL") {
      const wd = w.data;
      for (let i = 0; i < wd.length; i++) wd[i] = wd[i]! * v[channelOf(i)]!;
      for (let i = 0; i < oc; i++) bt.data[i] = bt.data[i]! * v[i]!;
    } else for (let i = 0; i < oc; i++) bt.data[i] = bt.data[i]! + v[i]!;
    return true;
  });
}

/** Fuses RELU / RELU6 ops into the producing CONV/DEPTHWISE/FC/ADD; returns fusions done. */
export function fuseActivations(g: Graph): number {
  return absorbIntoProducers(g, (o, p) => {
    if (o.type !== "RELU" && o.type !== "RELU6") return false;
    if (!(isWeighted(p) || p.type === "ADD") || p.options.activation !== "NONE") return false;
    p.options.activation = o.type;
    return true;
  });
}

/**
 * Drops a RESHAPE to [batch, n] whose only readers are FULLY_CONNECTED ops (input 0, no
 * keepNumDims): FULLY_CONNECTED flattens its input to [-1, inC] itself, so e.g. global
 * average pool [1,1,1,C] can feed it directly (one op and two tensors fewer).
 */
export function dropReshapeBeforeDense(g: Graph): number {
  let n = 0;
  for (let k = g.ops.length - 1; k >= 0; k--) {
    const o = g.ops[k]!;
    if (o.type !== "RESHAPE") continue;
    const y = o.outputs[0]!;
    const x = o.inputs[0]!;
    const ys = g.tensors[y]!.shape;
    const xs = g.tensors[x]!.shape;
    if (ys.length !== 2 || g.outputs.includes(y) || g.inputs.includes(x) || xs[0] !== ys[0]) continue;
    const readers = g.ops.filter((r) => r.inputs.includes(y));
    const ok = readers.every(
      (r) =>
        r.type === "FULLY_CONNECTED" &&
        !r.options.keepNumDims &&
        r.inputs[0] === y &&
        r.inputs.indexOf(y, 1) < 0 &&
        g.tensors[r.inputs[1]!]!.shape[1] === ys[1],
    );
    if (!ok || readers.length === 0) continue;
    for (const r of readers) r.inputs[0] = x;
    g.ops.splice(k, 1);
    n++;
  }
  return n;
}

/**
 * Removes ops none of whose outputs is read (by an op or as a graph output), repeatedly: e.g.
 * the SHAPE, STRIDED_SLICE, PACK that computed the target of a RESHAPE dropped before a
 * FULLY_CONNECTED (TF's converter writes Keras Flatten that way). Returns the ops removed.
 */
export function dropDeadOps(g: Graph): number {
  let n = 0;
  for (let again = true; again; ) {
    again = false;
    const uses = consumerCounts(g);
    for (let k = g.ops.length - 1; k >= 0; k--) {
      if (g.ops[k]!.outputs.some((o) => uses[o]! > 0)) continue;
      g.ops.splice(k, 1);
      n++;
      again = true;
    }
  }
  return n;
}

/** Removes tensors that no op or graph input/output refers to, renumbering the rest. */
export function compact(g: Graph): void {
  const used = new Array<boolean>(g.tensors.length).fill(false);
  for (const o of g.ops) for (const i of [...o.inputs, ...o.outputs]) if (i >= 0) used[i] = true;
  for (const i of [...g.inputs, ...g.outputs]) used[i] = true;
  const map = new Array<number>(g.tensors.length).fill(-1);
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => {
    if (used[i]) {
      map[i] = tensors.length;
      tensors.push(t);
    }
  });
  const m = (i: number): number => (i < 0 ? i : map[i]!);
  g.tensors = tensors;
  for (const o of g.ops) {
    o.inputs = o.inputs.map(m);
    o.outputs = o.outputs.map(m);
  }
  g.inputs = g.inputs.map(m);
  g.outputs = g.outputs.map(m);
}

export interface RewriteStats {
  foldedBatchNorm: number;
  fusedActivations: number;
}

/** Folds BN, fuses activations and compacts; returns a new graph (the input is not changed). */
export function optimizeFloat(g: Graph): { graph: Graph; stats: RewriteStats } {
  const c = cloneGraph(g);
  const foldedBatchNorm = foldBatchNorm(c);
  const fusedActivations = fuseActivations(c);
  // A fused activation may expose another foldable pair (rare); one more round is cheap.
  const more = foldBatchNorm(c);
  dropReshapeBeforeDense(c);
  dropDeadOps(c);
  compact(c);
  return { graph: c, stats: { foldedBatchNorm: foldedBatchNorm + more, fusedActivations } };
}
