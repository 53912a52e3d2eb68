/**
 * edgeq's int8 runtime: loads a .tflite as it is, plans one arena, runs integer-only
 * inference bit-exact with TFLite's reference kernels. ES5 once built; imports nothing
 * from toolchain/.
 *
 *   var m = edgeqrt.load(bytes);   // ArrayBuffer, Uint8Array or a byte string
 *   m.input(0).set(data); m.invoke(); m.output(0)
 */
import { fail, parse } from "./fb.js";
import { conv } from "./ops/conv.js";
import { dwconv } from "./ops/dwconv.js";
import { elementwise } from "./ops/elementwise.js";
import { fc } from "./ops/fc.js";
import { mean } from "./ops/mean.js";
import { concat, dequantize, pad, quantize, relu, reshape } from "./ops/misc.js";
import { pool } from "./ops/pool.js";
import { softmax } from "./ops/softmax.js";
import { greedy } from "./plan.js";
import type { Eval, RtOp, RtTensor, View } from "./types.js";
import type { Ctx } from "./util.js";

export { greedy } from "./plan.js";
export type { RtOp, RtTensor, View } from "./types.js";

declare const E:
  | {
      convolve?: (a: View, b: View, o: number) => number;
      sum?: (a: View) => number;
      toArrayBuffer?: (s: string) => ArrayBuffer;
    }
  | undefined;

/** Builtin operator codes the runtime runs, with their TFLite names. */
export const OPS: { [code: number]: string } = {
  0: "ADD",
  1: "AVERAGE_POOL_2D",
  2: "CONCATENATION",
  3: "CONV_2D",
  4: "DEPTHWISE_CONV_2D",
  6: "DEQUANTIZE",
  9: "FULLY_CONNECTED",
  17: "MAX_POOL_2D",
  18: "MUL",
  19: "RELU",
  21: "RELU6",
  22: "RESHAPE",
  25: "SOFTMAX",
  34: "PAD",
  40: "MEAN",
  43: "SQUEEZE",
  114: "QUANTIZE",
};

const PREP: { [code: number]: (c: Ctx, op: RtOp) => Eval } = {
  0: elementwise,
  1: pool,
  2: concat,
  3: conv,
  4: dwconv,
  6: dequantize,
  9: fc,
  17: pool,
  18: elementwise,
  19: relu,
  21: relu,
  22: reshape,
  25: softmax,
  34: pad,
  40: mean,
  43: reshape,
  114: quantize,
};

/** Bytes per element of each TensorType. */
const ESIZE: { [type: number]: number } = { 0: 4, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1 };

export interface Model {
  /** Arena bytes (all activations, planned). */
  arenaBytes: number;
  tensors: RtTensor[];
  ops: { type: string; inputs: number[]; outputs: number[] }[];
  inputs: number[];
  outputs: number[];
  /** Input i's view (Int8Array, or Float32Array for a float input). Fill it before invoke(). */
  input(i: number): View;
  output(i: number): View;
  /** View of tensor i (valid while its arena slot is live, e.g. inside onOp). */
  tensor(i: number): View;
  /** Runs all ops; onOp(k) is called after op k. */
  invoke(onOp?: (k: number) => void): void;
}

function bytesOf(b: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof b === "string") {
    if (typeof E !== "undefined" && E && E.toArrayBuffer) return new Uint8Array(E.toArrayBuffer(b));
    const u = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i) & 255;
    return u;
  }
  // duck-typed, so arrays from another realm (vm contexts, iframes) and Node Buffers work too
  const v = b as Uint8Array;
  if (v && v.buffer && typeof v.byteOffset === "number")
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (b && typeof (b as ArrayBuffer).byteLength === "number") return new Uint8Array(b as ArrayBuffer);
  return fail("load() takes an ArrayBuffer, a Uint8Array or a byte string");
}

/** A typed view of n elements of type `type` at byte offset `off` of `buf` (copied only if misaligned). */
function view(type: number, buf: ArrayBuffer, off: number, n: number): View {
  if (type === 9) return new Int8Array(buf, off, n);
  if (type === 3 || type === 6) return new Uint8Array(buf, off, n);
  const es = ESIZE[type] as number;
  if (type !== 4 && off % es === 0)
    return type === 0
      ? new Float32Array(buf, off, n)
      : type === 7
        ? new Int16Array(buf, off, n)
        : new Int32Array(buf, off, n);
  // misaligned (or int64, kept as its low 32 bits): assemble little-endian
  const dv = new DataView(buf, off, n * es);
  const out = type === 0 ? new Float32Array(n) : type === 7 ? new Int16Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++)
    out[i] =
      type === 0
        ? dv.getFloat32(i * 4, true)
        : type === 7
          ? dv.getInt16(i * 2, true)
          : dv.getInt32(i * es, true);
  return out;
}

export function load(bytes: ArrayBuffer | Uint8Array | string): Model {
  const u8 = bytesOf(bytes);
  const g = parse(u8);
  const T = g.tensors;
  const nOps = g.ops.length;
  // lifetimes of activation tensors; RESHAPE/SQUEEZE outputs alias their input's buffer
  const root: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < T.length; i++) {
    root.push(i);
    first.push(nOps + 1);
    last.push(-1);
  }
  const use = (t: number, k: number) => {
    if (t < 0 || (T[t] as RtTensor).data) return;
    const b = root[t] as number;
    if (k < (first[b] as number)) first[b] = k;
    if (k > (last[b] as number)) last[b] = k;
  };
  for (let k = 0; k < g.inputs.length; k++) use(g.inputs[k] as number, 0);
  for (let k = 0; k < nOps; k++) {
    const op = g.ops[k] as RtOp;
    if (!PREP[op.code]) fail("operator " + k + " has unsupported builtin code " + op.code);
    const x = op.inputs[0] as number;
    if ((op.code === 22 || op.code === 43) && !(T[x] as RtTensor).data)
      root[op.outputs[0] as number] = root[x] as number;
    for (let j = 0; j < op.inputs.length; j++) use(op.inputs[j] as number, k);
    for (let j = 0; j < op.outputs.length; j++) use(op.outputs[j] as number, k);
  }
  for (let k = 0; k < g.outputs.length; k++) use(g.outputs[k] as number, nOps);
  const bufs: number[] = [];
  const size: number[] = [];
  const bf: number[] = [];
  const bl: number[] = [];
  const slot: number[] = [];
  for (let i = 0; i < T.length; i++) {
    const t = T[i] as RtTensor;
    slot.push(-1);
    if (t.data || root[i] !== i || (last[i] as number) < 0) continue;
    slot[i] = bufs.length;
    bufs.push(i);
    size.push(0);
    bf.push(first[i] as number);
    bl.push(last[i] as number);
  }
  for (let i = 0; i < T.length; i++) {
    const t = T[i] as RtTensor;
    const s = slot[root[i] as number] as number;
    if (t.data || s < 0) continue;
    const es = ESIZE[t.type];
    if (es === undefined) fail("tensor " + i + " has unsupported type " + t.type);
    const nb = (t.size * es + 3) & ~3;
    if (nb > (size[s] as number)) size[s] = nb;
  }
  const plan = greedy(size, bf, bl, 4);
  const arena = new ArrayBuffer(plan.total);
  for (let i = 0; i < T.length; i++) {
    const t = T[i] as RtTensor;
    if (t.data) t.d = view(t.type, t.data.buffer as ArrayBuffer, t.data.byteOffset, t.size);
    else {
      const s = slot[root[i] as number] as number;
      if (s < 0) continue;
      t.offset = plan.offsets[s] as number;
      t.d = view(t.type, arena, t.offset, t.size);
    }
  }
  const c: Ctx = { fb: g.fb, t: T };
  if (typeof E !== "undefined" && E && E.convolve && E.sum) {
    const ec = E.convolve;
    c.dot = (a, b) => ec(a, b, 0);
    c.sum = E.sum;
  }
  const evals: Eval[] = [];
  const ops: Model["ops"] = [];
  for (let k = 0; k < nOps; k++) {
    const op = g.ops[k] as RtOp;
    const name = OPS[op.code] as string;
    try {
      evals.push((PREP[op.code] as (c: Ctx, op: RtOp) => Eval)(c, op));
    } catch (e) {
      fail("operator " + k + " (" + name + "): " + (e as Error).message);
    }
    ops.push({ type: name, inputs: op.inputs, outputs: op.outputs });
  }
  const tv = (i: number): View => {
    const t = T[i];
    if (!t || !t.d) return fail("tensor " + i + " has no data");
    return t.d;
  };
  return {
    arenaBytes: plan.total,
    tensors: T,
    ops: ops,
    inputs: g.inputs,
    outputs: g.outputs,
    input: (i) => tv(g.inputs[i] as number),
    output: (i) => tv(g.outputs[i] as number),
    tensor: tv,
    invoke: (onOp) => {
      for (let k = 0; k < evals.length; k++) {
        (evals[k] as Eval)();
        if (onOp) onOp(k);
      }
    },
  };
}
