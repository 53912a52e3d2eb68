/**
 * edgeq's int8 runtime: loads a .tflite as it is, plans one arena, runs integer-only
 * inference bit-exact with TFLite's reference kernels. ES5 once built; imports nothing
 * from toolchain/.
 *
 *   var m = edgeqrt.load(bytes);   // ArrayBuffer, Uint8Array or a byte string
 *   m.input(0).set(data); m.invoke(); m.output(0)
 */
import { ESIZE, fail, parse } from "./fb.js";
import { elementwise } from "./ops/elementwise.js";
import { mean } from "./ops/mean.js";
import { concat, dequantize, pad, quantize, relu, reshape } from "./ops/misc.js";
import { softmax } from "./ops/softmax.js";
import { fc, windowed } from "./ops/window.js";
import { greedy } from "./plan.js";
import type { Eval, RtOp, RtTensor, View } from "./types.js";
import type { Ctx, Fast } from "./util.js";

export { greedy } from "./plan.js";
export type { RtOp, RtTensor, View } from "./types.js";
export type { Fast } from "./util.js";

declare const E:
  | {
      convolve?: (a: View, b: View, o: number) => number;
      sum?: (a: View) => number;
      toArrayBuffer?: (s: string) => ArrayBuffer;
    }
  | undefined;

const CODES = [0, 1, 2, 3, 4, 6, 9, 17, 18, 19, 21, 22, 25, 34, 40, 114];
const NAMES =
  "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEQUANTIZE FULLY_CONNECTED MAX_POOL_2D MUL RELU RELU6 RESHAPE SOFTMAX PAD MEAN QUANTIZE".split(
    " ",
  );
const PREP: ((c: Ctx, op: RtOp) => Eval)[] = [
  elementwise,
  windowed(2),
  concat,
  windowed(0),
  windowed(1),
  dequantize,
  fc,
  windowed(3),
  elementwise,
  relu,
  relu,
  reshape,
  softmax,
  pad,
  mean,
  quantize,
];

export interface Model {
  /** Arena bytes (all activations, planned). */
  arenaBytes: number;
  tensors: RtTensor[];
  ops: { type: string; inputs: number[]; outputs: number[] }[];
  inputs: number[];
  outputs: number[];
  /**
   * Input i's view (Int8Array, or Float32Array for a float input). Fill it before each invoke():
   * as in TFLite Micro, the arena may reuse an input's bytes once the last op reading it ran.
   */
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
    for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);
    return u;
  }
  // duck-typed, so arrays from another realm (vm contexts, iframes) and Node Buffers work too
  const v = b as Uint8Array;
  if (v && v.buffer) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (b && (b as ArrayBuffer).byteLength >= 0) return new Uint8Array(b as ArrayBuffer);
  return fail("load() needs an ArrayBuffer, Uint8Array or byte string");
}

/** A view of n elements of `type` at byte `off` of `buf`; int32/float32 copied only if misaligned, int64 as its low words. */
function view(type: number, buf: ArrayBuffer, off: number, n: number): View {
  if (ESIZE[type] === 1) return type === 9 ? new Int8Array(buf, off, n) : new Uint8Array(buf, off, n);
  if (type !== 4 && off % 4 === 0) return type ? new Int32Array(buf, off, n) : new Float32Array(buf, off, n);
  const dv = new DataView(buf, off);
  const out = type ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = type ? dv.getInt32(i * (type === 4 ? 8 : 4), true) : dv.getFloat32(i * 4, true);
  return out;
}

let fast: Fast | undefined;

/** Installs optional kernels (src/fast.ts or the add-on bundle) for models loaded from now on. */
export function use(f: Fast): void {
  fast = f;
}

export function load(bytes: ArrayBuffer | Uint8Array | string): Model {
  const g = parse(bytesOf(bytes));
  const T = g.tensors;
  const n = g.ops.length;
  const prep = g.ops.map((op, k) => {
    const p = CODES.indexOf(op.code);
    if (p < 0) fail("operator " + k + " has unsupported builtin code " + op.code);
    return p;
  });
  // buffer groups: a RESHAPE output shares its input's buffer, and so does an in-place
  // depthwise output (below); rootOf follows the chain
  const par = T.map((_, i) => i);
  const rootOf = (t: number): number => {
    while (par[t] !== t) t = par[t] as number;
    return t;
  };
  const isAct = (t: number) => t >= 0 && !(T[t] as RtTensor).data;
  g.ops.forEach((op, k) => {
    const x = op.inputs[0] as number;
    if (prep[k] === 11 && isAct(x)) par[op.outputs[0] as number] = rootOf(x);
  });
  // last op reading each group; graph inputs and outputs are pinned (never overwritten in place)
  const lastRead = T.map(() => -1);
  g.ops.forEach((op, k) => {
    for (let j = 0; j < op.inputs.length; j++)
      if (isAct(op.inputs[j] as number)) lastRead[rootOf(op.inputs[j] as number)] = k;
  });
  g.inputs.concat(g.outputs).forEach((t) => {
    lastRead[rootOf(t)] = n + 1;
  });
  // in-place DEPTHWISE_CONV_2D (MCUNet): multiplier 1, int8, the input's group read by no later
  // op, the output no larger: each output channel is written only after that channel of the
  // input has been read in full (see ops/dwconv.ts), so the output can take the input's bytes
  const tmps: number[] = [];
  g.ops.forEach((op, k) => {
    const x = op.inputs[0] as number;
    const y = op.outputs[0] as number;
    const X = T[x] as RtTensor;
    const Y = T[y] as RtTensor;
    const bx = isAct(x) ? rootOf(x) : -1;
    if (prep[k] !== 4 || bx < 0 || lastRead[bx] !== k || X.type !== 9 || Y.type !== 9 || Y.size > X.size)
      return;
    if ((T[op.inputs[1] as number] as RtTensor).shape[3] !== X.shape[3]) return;
    par[y] = bx;
    lastRead[bx] = Math.max(k, lastRead[y] as number);
    tmps.push(k);
  });
  // buffer lifetimes (op indices) and sizes per group, then the extra per-channel planes of the
  // in-place depthwise ops (live during their op only)
  const first = T.map(() => n + 1);
  const last = T.map(() => -1);
  const size = T.map(() => 0);
  const use = (ts: number[], k: number) => {
    for (let j = 0; j < ts.length; j++) {
      if (!isAct(ts[j] as number)) continue;
      const t = T[ts[j] as number] as RtTensor;
      const b = rootOf(ts[j] as number);
      if (k < (first[b] as number)) first[b] = k;
      if (k > (last[b] as number)) last[b] = k;
      const nb = (t.size * (ESIZE[t.type] as number) + 3) & ~3;
      if (nb > (size[b] as number)) size[b] = nb;
    }
  };
  use(g.inputs, 0);
  g.ops.forEach((op, k) => {
    use(op.inputs, k);
    use(op.outputs, k);
  });
  use(g.outputs, n);
  tmps.forEach((k) => {
    const Y = T[(g.ops[k] as RtOp).outputs[0] as number] as RtTensor;
    first.push(k);
    last.push(k);
    size.push(((Y.shape[1] as number) * (Y.shape[2] as number) + 3) & ~3);
  });
  const plan = greedy(size, first, last, 4);
  const arena = new ArrayBuffer(plan.total);
  T.forEach((t, i) => {
    const d = t.data;
    if (d) t.d = view(t.type, d.buffer as ArrayBuffer, d.byteOffset, t.size);
    else if ((last[rootOf(i)] as number) >= 0) {
      t.offset = plan.offsets[rootOf(i)] as number;
      t.d = view(t.type, arena, t.offset, t.size);
    }
  });
  tmps.forEach((k, j) => {
    (g.ops[k] as RtOp).tmp = new Int8Array(
      arena,
      plan.offsets[T.length + j] as number,
      size[T.length + j] as number,
    );
  });
  const c: Ctx = { fb: g.fb, t: T, h: fast };
  if (typeof E !== "undefined" && E && E.convolve && E.sum) {
    const ec = E.convolve;
    c.dot = (a, b) => ec(a, b, 0);
    c.sum = E.sum;
  }
  const evals = g.ops.map((op, k) => {
    try {
      return (PREP[prep[k] as number] as (c: Ctx, op: RtOp) => Eval)(c, op);
    } catch (e) {
      return fail("operator " + k + " (" + NAMES[prep[k] as number] + "): " + (e as Error).message);
    }
  });
  const tv = (i: number): View => {
    const t = T[i];
    return t && t.d ? t.d : fail("tensor " + i + " has no data");
  };
  return {
    arenaBytes: plan.total,
    tensors: T,
    ops: g.ops.map((op, k) => ({
      type: NAMES[prep[k] as number] as string,
      inputs: op.inputs,
      outputs: op.outputs,
    })),
    inputs: g.inputs,
    outputs: g.outputs,
    input: (i) => tv(g.inputs[i] as number),
    output: (i) => tv(g.outputs[i] as number),
    tensor: tv,
    invoke: (onOp) => {
      for (let k = 0; k < n; k++) {
        (evals[k] as Eval)();
        if (onOp) onOp(k);
      }
    },
  };
}
