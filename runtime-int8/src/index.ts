/**
 * edgeq's int8 runtime: loads a .tflite as it is, plans one arena, runs integer-only
 * inference bit-exact with TFLite's reference kernels. ES5 once built; imports nothing
 * from toolchain/.
 *
 *   var m = edgeqrt.load(bytes);   // ArrayBuffer, Uint8Array or a byte string
 *   m.input(0).set(data); m.invoke(); m.output(0)
 */
import { fail, PFX, parse } from "./fb.js";
import { P31 } from "./fixed.js";
import { elementwise } from "./ops/elementwise.js";
import { mean } from "./ops/mean.js";
import { pad, reshape, unary } from "./ops/misc.js";
import { softmax } from "./ops/softmax.js";
import { windowed } from "./ops/window.js";
import { greedy } from "./plan.js";
import type { Eval, Prep, RtOp, RtTensor, View } from "./types.js";
import { type Ctx, type Fast, I8, zeros } from "./util.js";

export { greedy } from "./plan.js";
export type { RtOp, RtTensor, View } from "./types.js";
export type { Fast } from "./util.js";

type Natives = {
  convolve?: (a: View, b: View, o: number) => number;
  sum?: (a: View) => number;
  toArrayBuffer?: (s: string) => ArrayBuffer;
};
declare const E: Natives | undefined;

const CODES = [0, 1, 2, 3, 4, 6, 9, 17, 18, 19, 21, 22, 25, 34, 40, 114];
const NAMES =
  "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEQUANTIZE FULLY_CONNECTED MAX_POOL_2D MUL RELU RELU6 RESHAPE SOFTMAX PAD MEAN QUANTIZE".split(
    " ",
  );
const PREP: Prep[] = [
  elementwise,
  windowed,
  pad,
  windowed,
  windowed,
  unary,
  windowed,
  windowed,
  elementwise,
  unary,
  unary,
  reshape,
  softmax,
  pad,
  mean,
  unary,
];

export interface Model {
  /** Arena bytes (all activations, planned). */
  arenaBytes: number;
  tensors: RtTensor[];
  /** { type: "CONV_2D", inputs: [...], outputs: [...] } (and internal fields). */
  ops: (RtOp & { type: string })[];
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

/** (Uint8Array under a short name once minified) */
const U8 = Uint8Array;

function bytesOf(b: ArrayBuffer | Uint8Array | string, N: Natives): Uint8Array {
  if (typeof b === "string") {
    const s = b;
    if (N.toArrayBuffer) b = N.toArrayBuffer(s);
    else {
      const u = new U8(s.length);
      for (let i = s.length; i--; ) u[i] = s.charCodeAt(i);
      b = u;
    }
  }
  // duck-typed, so arrays from another realm (vm contexts, iframes) and Node Buffers work too;
  // anything else gives no bytes ("not a TFLite model")
  const v = b as Uint8Array;
  return v && v.buffer ? new U8(v.buffer, v.byteOffset, v.byteLength) : new U8(b || 0);
}

/** A view of tensor t's elements at byte `off` of `buf` (little-endian, as TFLite files); a misaligned int32/float32 constant is copied, int64 gives its low words. */
function view(t: RtTensor, buf: ArrayBuffer, off: number): View {
  const type = t.ty;
  const n = t.nel;
  const es = t.es;
  if (es > 1 && off % 4) {
    buf = new U8(new U8(buf, off, n * es)).buffer as ArrayBuffer;
    off = 0;
  }
  const A = (type === 9 ? I8 : es < 2 ? U8 : type ? Int32Array : Float32Array) as typeof Int32Array;
  const v = new A(buf, off, type === 4 ? 2 * n : n);
  if (type !== 4) return v;
  const lo = zeros(n);
  for (let i = n; i--; ) lo[i] = v[2 * i] as number;
  return lo;
}

let fast: Fast | undefined;

/** Installs optional kernels (src/fast.ts or the add-on bundle) for models loaded from now on. */
export function use(f: Fast): void {
  fast = f;
}

/**
 * Loads a model; a bad file (or one this runtime cannot run) throws an Error "edgeqrt: ...". The
 * checks below catch what the fuzz campaign (test/runtime/fuzz-runtime.test.ts) found; any other
 * engine error while loading is reported the same way, never as a bare TypeError/RangeError.
 */
export function load(bytes: ArrayBuffer | Uint8Array | string): Model {
  try {
    return build(bytes);
  } catch (e) {
    const m = (e as Error).message;
    if (m.indexOf(PFX)) fail("corrupt model (" + m + ")");
    throw e;
  }
}

function build(bytes: ArrayBuffer | Uint8Array | string): Model {
  // Espruino's `E` (with convolve, sum, toArrayBuffer), or {} elsewhere; read at each load
  // (typeof gives "undefined" only when E is not defined, and every other typeof name sorts before "u")
  const N: Natives = (typeof E < "u" && E) || {};
  const g = parse(bytesOf(bytes, N));
  const T = g.tens;
  const ops = g.opl;
  const n = ops.length;
  const NT = T.length;
  // per tensor: its buffer group (par: a RESHAPE output shares its input's buffer, and so does an
  // in-place depthwise output, below; root follows the chain), and per group root its lifetime
  // [first, last] (op indices; the graph's outputs live to n) and bytes
  const par: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  const size: number[] = [];
  for (let i = NT; i--; ) {
    par[i] = i;
    // (all NT entries: the in-place planes go at NT + j)
    first[i] = last[i] = -1;
    size[i] = 0;
  }
  const root = (t: number): number => {
    while (par[t] !== t) t = par[t] as number;
    return t;
  };
  const act = (t: number) => t >= 0 && !(T[t] as RtTensor).data;
  // (p: the op's kind, checked: int8 activations only, but for QUANTIZE's float input and
  // DEQUANTIZE's float output; -1 for the graph's inputs and outputs)
  const use = (ts: number[], k: number, p: number) => {
    ts.forEach((i, j) => {
      const t = T[i] as RtTensor;
      const b = root(i);
      const ty = t && !t.data ? t.ty : 9;
      if (p >= 0 && ty !== 9 && !(!ty && (p === 15 ? !j : p === 5 && j))) fail("tensor " + i + " not int8");
      if (act(b)) {
        // (k never decreases from call to call)
        if ((last[b] as number) < 0) first[b] = k;
        last[b] = k;
        const nb = (t.nel * t.es + 3) & ~3;
        if (nb > (size[b] as number)) size[b] = nb;
      }
    });
  };
  use(g.ins, 0, -1);
  const prep = ops.map((op, k) => {
    const p = CODES.indexOf(op.bc);
    if (p < 0) fail("unsupported op " + op.bc);
    op.type = NAMES[p] as string;
    const x = op.ins[0] as number;
    if (p === 11 && act(x)) par[op.outs[0] as number] = root(x);
    use(op.ins.concat(op.outs), k, p);
    return p;
  });
  use(g.outs, n, -1);
  // in-place DEPTHWISE_CONV_2D (MCUNet): multiplier 1 (so the output is no larger), the input's
  // group read by no later op (so not a graph output, which lives to n; a graph input may go, as
  // its bytes are refilled before each invoke): each output channel is written only
  // after that channel of the input has been read in full (see ops/window.ts), so the output can
  // take the input's bytes; its per-channel plane (OH*OW bytes) is live during the op only
  const tmps: RtOp[] = [];
  ops.forEach((op, k) => {
    const X = T[op.ins[0] as number] as RtTensor;
    const y = op.outs[0] as number;
    const Y = T[y] as RtTensor;
    const bx = root(op.ins[0] as number);
    if (prep[k] === 4 && act(bx) && last[bx] === k && Y.dims[3] === X.dims[3] && Y.nel <= X.nel) {
      par[y] = bx;
      last[bx] = last[y] as number;
      last[y] = -1;
      size[y] = 0;
      tmps.push(op);
      first.push(k);
      last.push(k);
      size.push(((Y.dims[1] as number) * (Y.dims[2] as number) + 3) & ~3);
    }
  });
  const plan = greedy(size, first, last, 4);
  const at = plan.offsets;
  const total = plan.total;
  if (total > P31 / 32) fail("arena > 64 MB");
  const arena = new ArrayBuffer(total);
  for (let i = NT; i--; ) {
    const t = T[i] as RtTensor;
    const d = t.data;
    if (d) t.d = view(t, d.buffer as ArrayBuffer, d.byteOffset);
    else if ((last[root(i)] as number) >= 0) {
      t.offset = at[root(i)] as number;
      t.d = view(t, arena, t.offset);
    }
  }
  tmps.forEach((op, j) => {
    op.tmp = new I8(arena, at[NT + j] as number, size[NT + j]);
  });
  // dot products and sums: Espruino's natives, or plain loops
  const ec = N.convolve;
  const js = (a: View, b?: View) => {
    let s = 0;
    for (let i = a.length; i--; ) s += (a[i] as number) * (b ? (b[i] as number) : 1);
    return s;
  };
  const c: Ctx = { h: fast, dot: ec ? (a, b) => ec(a, b, 0) : js, su: N.sum || js };
  const evals = ops.map((op, k) => {
    try {
      const t = op.ins.map((i) => T[i] as RtTensor);
      const X = t[0] as RtTensor;
      const Y = T[op.outs[0] as number] as RtTensor;
      return (PREP[prep[k] as number] as Prep)(c, op, t, Y, X, X.d as View, Y.d as View);
    } catch (e) {
      return fail("operator " + k + " (" + op.type + "): " + (e as Error).message);
    }
  });
  const tv = (i: number): View => (T[i] || ({} as RtTensor)).d || fail("no tensor " + i);
  return {
    arenaBytes: total,
    tensors: T,
    ops: ops as (RtOp & { type: string })[],
    inputs: g.ins,
    outputs: g.outs,
    input: (i) => tv(g.ins[i] as number),
    output: (i) => tv(g.outs[i] as number),
    tensor: tv,
    invoke: (onOp) => {
      for (let k = 0; k < n; k++) {
        (evals[k] as Eval)();
        if (onOp) onOp(k);
      }
    },
  };
}
