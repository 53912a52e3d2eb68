/** Shared helpers of the quantize tests: small models, pixel-like inputs, int8 I/O, runners. */
import { load } from "../../runtime-int8/src/index.js";
import { runFloat } from "../../toolchain/exec/float.js";
import { importModel } from "../../toolchain/import/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { randomizeWeights, rng, saveModel, tf } from "../import/tfjs-models.js";
import { loadNative } from "../oracles/native.js";

export { tf };

/** Pixel-like inputs: k/255 values, smooth blobs plus noise so activations vary. */
export function pixelInputs(shape: number[], n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const [h, w, c] = shape as [number, number, number];
  return Array.from({ length: n }, () => {
    const cx = r() * w;
    const cy = r() * h;
    const rad = 1 + r() * h * 0.5;
    const x = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ci = 0; ci < c; ci++) {
          const d = Math.hypot(y - cy, xx - cx) / rad;
          const v = Math.max(0, Math.min(1, Math.exp(-d * d) + (r() - 0.5) * 0.3));
          x[(y * w + xx) * c + ci] = Math.round(v * 255) / 255;
        }
    return x;
  });
}

/** A small DS-CNN (conv, 2 x [dw+BN+relu, pw+BN+relu], GAP, dense softmax), random weights. */
export async function smallDsCnn(
  seed: number,
  shape: [number, number, number] = [12, 12, 1],
): Promise<Graph> {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: shape,
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: "same",
      useBias: false,
    }),
  );
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  for (const f of [12, 16]) {
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", useBias: false }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.reLU());
    m.add(tf.layers.conv2d({ filters: f, kernelSize: 1, useBias: false }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.reLU());
  }
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 6, activation: "softmax" }));
  randomizeWeights(m, seed);
  return importModel(await saveModel(m));
}

/** Quantizes real input values with the int8 graph's input params. */
export function quantizeInput(g: Graph, x: Float32Array): Int8Array {
  const q = g.tensors[g.inputs[0]!]!.quant!;
  return Int8Array.from(x, (v) =>
    Math.max(-128, Math.min(127, Math.round(v / q.scale[0]!) + q.zeroPoint[0]!)),
  );
}

export function dequantizeOutput(g: Graph, y: ArrayLike<number>): Float32Array {
  const q = g.tensors[g.outputs[0]!]!.quant!;
  return Float32Array.from(y, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
}

/** Runs the int8 graph in native TFLite and in edgeq's runtime; returns both int8 outputs per input. */
export function runBoth(
  q: Graph,
  xs: Float32Array[],
): { native: Int8Array[]; edgeq: Int8Array[]; bytes: Uint8Array } {
  const bytes = writeTflite(q);
  const nat = loadNative(bytes);
  const rt = load(bytes);
  const native: Int8Array[] = [];
  const edgeq: Int8Array[] = [];
  for (const x of xs) {
    const xi = quantizeInput(q, x);
    native.push(new Int8Array(nat.run([xi])[0]!));
    (rt.input(0) as Int8Array).set(xi);
    rt.invoke();
    edgeq.push(new Int8Array(rt.output(0) as Int8Array));
  }
  return { native, edgeq, bytes };
}

export const argmax = (a: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
};

/** Mean over inputs of the RMS difference between float outputs and dequantized int8 outputs, relative to float RMS. */
export function relativeDrift(f: Graph, q: Graph, xs: Float32Array[]): number {
  let num = 0;
  let den = 0;
  for (const x of xs) {
    const a = runFloat(f, [x]).outputs[0]!;
    const b = dequantizeOutput(q, runBoth1(q, x));
    for (let i = 0; i < a.length; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += a[i]! ** 2;
    }
  }
  return Math.sqrt(num / den);
}

const cache = new WeakMap<Graph, ReturnType<typeof load>>();
function runBoth1(q: Graph, x: Float32Array): Int8Array {
  let rt = cache.get(q);
  if (!rt) {
    rt = load(writeTflite(q));
    cache.set(q, rt);
  }
  (rt.input(0) as Int8Array).set(quantizeInput(q, x));
  rt.invoke();
  return new Int8Array(rt.output(0) as Int8Array);
}

/**
 * Depthwise-heavy: conv 1x1 (4->C) relu, then 2 x [dw 3x3 relu, pw 1x1 relu], GAP, dense (linear).
 * Each depthwise channel c is scaled by a_c (log-spaced over `decades` decades) and the following
 * pointwise's input channel c by 1/a_c: the float function is balanced, but the depthwise
 * weight ranges differ by orders of magnitude across channels.
 */
export async function depthwiseHeavy(seed: number, decades: number): Promise<Graph> {
  const C = 12;
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [10, 10, 4], filters: C, kernelSize: 1, activation: "relu" }));
  for (let b = 0; b < 2; b++) {
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", activation: "relu" }));
    m.add(tf.layers.conv2d({ filters: C, kernelSize: 1, activation: "relu" }));
  }
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 5 }));
  randomizeWeights(m, seed);
  const r = rng(seed + 100);
  const a = Array.from(
    { length: C },
    (_, c) => 10 ** ((-decades * ((c * 7) % C)) / (C - 1)) * (0.8 + 0.4 * r()),
  );
  const ws = m.getWeights().map((w) => w.arraySync() as unknown);
  // weights order: conv k,b, [dw k,b, pw k,b] x2, dense k,b
  for (const blk of [0, 1]) {
    const dk = ws[2 + 4 * blk] as number[][][][]; // [3,3,C,1]
    const db = ws[3 + 4 * blk] as number[];
    const pk = ws[4 + 4 * blk] as number[][][][]; // [1,1,C,C]
    for (let c = 0; c < C; c++) {
      for (const row of dk) for (const col of row) col[c]![0]! *= a[c]!;
      db[c] = Math.abs(db[c]!) * a[c]!;
      for (let o = 0; o < C; o++) pk[0]![0]![c]![o]! /= a[c]!;
    }
  }
  m.setWeights(ws.map((w, i) => tf.tensor(w as number[], m.getWeights()[i]!.shape)));
  return importModel(await saveModel(m));
}
