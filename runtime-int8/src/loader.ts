/**
 * The loader: a .tflite file as it is -> a Model, with the kernels it was built with (the full
 * list in kernels/index.ts, or a per-model bundle's shorter one). Steps: parse (parse.ts), resolve
 * each op's kernel, fold what is static, lifetimes (lifetimes.ts), plan one arena (plan.ts),
 * views and prepare (prepare.ts).
 */
import { fail, PREFIX } from "./errors.js";
import { P31 } from "./fixed.js";
import { region } from "./kernels/region.js";
import { lifetimes } from "./lifetimes.js";
import { parse } from "./parse.js";
import { greedy } from "./plan.js";
import { constantViews, prepareAll, U8, viewOf } from "./prepare.js";
import type { Context, EspruinoNatives, Eval, Fast, Kernel, RtOp, RtTensor, View } from "./types.js";

type Natives = {
  convolve?: (a: View, b: View, o: number) => number;
  sum?: (a: View) => number;
  mapInPlace?: unknown;
  toArrayBuffer?: (s: string) => ArrayBuffer;
};
declare const E: Natives | undefined;

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
  /** The model's bytes and the arena (internal: held for views that do not reference them). */
  memory: Uint8Array[];
  /** Runs all ops; onOp(k) is called after op k. */
  invoke(onOp?: (k: number) => void): void;
}

function bytesOf(b: ArrayBuffer | Uint8Array | string, natives: Natives): Uint8Array {
  if (typeof b === "string") {
    const s = b;
    if (natives.toArrayBuffer) b = natives.toArrayBuffer(s);
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

let fast: Fast | undefined;

/** Installs optional kernels (an add-on: src/addons/fast, src/addons/wasm) for models loaded from now on. */
export function use(kernels: Fast): void {
  fast = kernels;
}

/**
 * Loads a model with the given kernels; a bad file (or one they cannot run) throws an Error
 * "edgeqrt: ...". The checks catch what the fuzz campaign (test/runtime/fuzz-runtime.test.ts)
 * found; any other engine error while loading is reported the same way, never as a bare TypeError.
 */
export function loadModel(bytes: ArrayBuffer | Uint8Array | string, kernels: Kernel[]): Model {
  try {
    return build(bytes, kernels);
  } catch (e) {
    const m = (e as Error).message;
    if (m.indexOf(PREFIX)) fail("corrupt model (" + m + ")");
    throw e;
  }
}

function build(bytes: ArrayBuffer | Uint8Array | string, kernels: Kernel[]): Model {
  // Espruino's `E` (with convolve, sum, toArrayBuffer), or {} elsewhere; read at each load
  // (typeof gives "undefined" only when E is not defined, and every other typeof name sorts before "u")
  const natives: Natives = (typeof E < "u" && E) || {};
  const u8 = bytesOf(bytes, natives);
  const graph = parse(u8, (offset, length) => region(u8, offset, length, true));
  const T = graph.tensors;
  const ops = graph.operators;
  const count = T.length;
  const byCode: Kernel[] = [];
  kernels.forEach((kernel) => {
    byCode[kernel.code] = kernel;
  });
  // each op's kernel; constants' views; ops folded at load get no kernel (no buffer, no eval)
  const opKernels: (Kernel | undefined)[] = ops.map((op, k) => {
    const kernel = byCode[op.code];
    if (!kernel)
      fail(
        "op " +
          k +
          " (builtin code " +
          op.code +
          ") is not in this runtime's kernels (edgeq inspect names it)",
      );
    op.type = kernel.name;
    return kernel;
  });
  constantViews(T);
  ops.forEach((op, k) => {
    const kernel = opKernels[k] as Kernel;
    const fold = kernel.fold;
    // (int32 shape arithmetic is computed here, or refused: a fold's error names the op as a
    // prepare error does, "op k NAME: ...")
    try {
      if (
        fold &&
        fold(
          op,
          op.inputs.map((i) => T[i] as RtTensor),
          op.outputs.map((i) => T[i] as RtTensor),
        )
      )
        opKernels[k] = undefined;
    } catch (e) {
      fail("op " + k + " " + kernel.name + ": " + (e as Error).message);
    }
  });
  const life = lifetimes(graph, opKernels);
  const plan = greedy(life.size, life.first, life.last, 4);
  const offsets = plan.offsets;
  const total = plan.total;
  if (total > P31 / 32) fail("arena > 64 MB");
  const arena = new U8(total);
  // (an activation's bytes: over 64 KB on Espruino, a view of its own; see region)
  const slot = (offset: number, length: number) => region(arena, offset, length);
  for (let i = count; i--; ) {
    const t = T[i] as RtTensor;
    const b = life.buffer(i);
    if (!t.data && (life.last[b] as number) >= 0) {
      t.offset = offsets[b] as number;
      const r = slot(t.offset, t.size * t.elementBytes);
      t.view = viewOf(t, r.buffer as ArrayBuffer, r.byteOffset);
    }
  }
  life.inPlaceOps.forEach((op, j) => {
    const r = slot(offsets[count + j] as number, life.size[count + j] as number);
    op.scratch = new Int8Array(r.buffer, r.byteOffset, r.length);
  });
  // dot products and sums: Espruino's natives, or plain loops
  const convolve = natives.convolve;
  const loop = (a: View, b?: View) => {
    let s = 0;
    for (let i = a.length; i--; ) s += (a[i] as number) * (b ? (b[i] as number) : 1);
    return s;
  };
  const context: Context = {
    fast: fast,
    dot: convolve ? (a, b) => convolve(a, b, 0) : loop,
    sum: natives.sum || loop,
    espruino: convolve && natives.mapInPlace ? (natives as EspruinoNatives) : undefined,
  };
  const evals = prepareAll(context, ops, T, opKernels);
  const tensorView = (i: number): View => (T[i] || ({} as RtTensor)).view || fail("no tensor " + i);
  const n = ops.length;
  return {
    arenaBytes: total,
    tensors: T,
    ops: ops as (RtOp & { type: string })[],
    inputs: graph.inputs,
    outputs: graph.outputs,
    input: (i) => tensorView(graph.inputs[i] as number),
    output: (i) => tensorView(graph.outputs[i] as number),
    tensor: tensorView,
    // (keeps the model's bytes and the arena alive: on Espruino views made by E.memoryArea point
    // into them without holding a reference)
    memory: [u8, arena],
    invoke: (onOp) => {
      for (let k = 0; k < n; k++) {
        (evals[k] as Eval)();
        if (onOp) onOp(k);
      }
    },
  };
}
