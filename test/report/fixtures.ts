/**
 * Small hand-built float graphs for the report tests: conv -> depthwise -> pointwise ->
 * average pool -> reshape -> dense -> softmax, on 8x8x1 inputs, with a depthwise layer whose
 * channel 0 can be scaled (`collapse` = 1000 makes its range 1000x the others, the classic
 * case where per-tensor weight quantization rounds the other channels to zero).
 */
import type { Graph, Op, Tensor } from "../../toolchain/ir/types.js";

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface FixtureOptions {
  /** Factor on the depthwise layer's channel 0 weights (1 = ordinary). */
  collapse: number;
  /** Tensor name prefix (lets a test put markup into every name). */
  prefix?: string;
  seed?: number;
  /** Unfused float graph: conv1 -> RELU6 as two ops, pw -> MUL -> ADD (batch norm) -> RELU6. */
  raw?: boolean;
}

export function smallCnn(o: FixtureOptions): Graph {
  const r = rng(o.seed ?? 1);
  const p = o.prefix ?? "";
  const tensors: Tensor[] = [];
  const add = (name: string, shape: number[], data?: Float32Array | Int32Array): number => {
    tensors.push({
      name: p + name,
      shape,
      dtype: data instanceof Int32Array ? "int32" : "float32",
      ...(data ? { data } : {}),
    });
    return tensors.length - 1;
  };
  const rand = (n: number, a: number, off = 0): Float32Array =>
    Float32Array.from({ length: n }, () => (r() * 2 - 1) * a + off);
  const conv = {
    padding: "SAME" as const,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    activation: "RELU6" as const,
  };
  const linear = { ...conv, activation: "NONE" as const };
  const ops: Op[] = [];
  const x = add("input", [1, 8, 8, 1]);
  const w1 = add("conv1/weights", [4, 3, 3, 1], rand(36, 0.6));
  const b1 = add("conv1/bias", [4], rand(4, 0.1, 0.2));
  const y1 = add("conv1/relu6", [1, 8, 8, 4]);
  if (o.raw) {
    const pre = add("conv1/conv", [1, 8, 8, 4]);
    ops.push({ type: "CONV_2D", inputs: [x, w1, b1], outputs: [pre], options: linear });
    ops.push({ type: "RELU6", inputs: [pre], outputs: [y1], options: {} });
  } else ops.push({ type: "CONV_2D", inputs: [x, w1, b1], outputs: [y1], options: conv });
  const dw = rand(36, 0.5);
  for (let i = 0; i < 36; i += 4) dw[i] = dw[i]! * o.collapse;
  const w2 = add("dw/weights", [1, 3, 3, 4], dw);
  const b2 = add("dw/bias", [4], rand(4, 0.1, 0.3));
  const y2 = add("dw/relu6", [1, 8, 8, 4]);
  ops.push({
    type: "DEPTHWISE_CONV_2D",
    inputs: [y1, w2, b2],
    outputs: [y2],
    options: { ...conv, depthMultiplier: 1 },
  });
  const w3 = add("pw/weights", [8, 1, 1, 4], rand(32, 0.7));
  const b3 = add("pw/bias", [8], rand(8, 0.1, 0.1));
  const y3 = add("pw/relu6", [1, 8, 8, 8]);
  if (o.raw) {
    const pre = add("pw/conv", [1, 8, 8, 8]);
    const mul = add(
      "pw/bn/mul",
      [8],
      Float32Array.from({ length: 8 }, () => 0.5 + r() * 1.5),
    );
    const scaled = add("pw/bn/scaled", [1, 8, 8, 8]);
    const shift = add("pw/bn/add", [8], rand(8, 0.3));
    const bn = add("pw/bn", [1, 8, 8, 8]);
    ops.push({ type: "CONV_2D", inputs: [y2, w3, b3], outputs: [pre], options: linear });
    ops.push({ type: "MUL", inputs: [pre, mul], outputs: [scaled], options: { activation: "NONE" } });
    ops.push({ type: "ADD", inputs: [scaled, shift], outputs: [bn], options: { activation: "NONE" } });
    ops.push({ type: "RELU6", inputs: [bn], outputs: [y3], options: {} });
  } else ops.push({ type: "CONV_2D", inputs: [y2, w3, b3], outputs: [y3], options: conv });
  const y4 = add("pool", [1, 1, 1, 8]);
  ops.push({
    type: "AVERAGE_POOL_2D",
    inputs: [y3],
    outputs: [y4],
    options: { padding: "VALID", strideH: 8, strideW: 8, filterH: 8, filterW: 8, activation: "NONE" },
  });
  const shp = add("flatten/shape", [2], Int32Array.from([1, 8]));
  const y5 = add("flatten", [1, 8]);
  ops.push({ type: "RESHAPE", inputs: [y4, shp], outputs: [y5], options: { newShape: [1, 8] } });
  const w6 = add("dense/weights", [3, 8], rand(24, 1.5));
  const b6 = add("dense/bias", [3], rand(3, 0.2));
  const y6 = add("dense", [1, 3]);
  ops.push({
    type: "FULLY_CONNECTED",
    inputs: [y5, w6, b6],
    outputs: [y6],
    options: { activation: "NONE", keepNumDims: false },
  });
  const y7 = add("softmax", [1, 3]);
  ops.push({ type: "SOFTMAX", inputs: [y6], outputs: [y7], options: { beta: 1 } });
  return { tensors, inputs: [x], outputs: [y7], description: `${p}fixture`, ops };
}

/** n inputs of 8x8x1 in [0, 1]: smooth blobs (so convolutions see structure), pixels k/255. */
export function inputs(n: number, seed = 5): Float32Array[] {
  const r = rng(seed);
  const out: Float32Array[] = [];
  for (let s = 0; s < n; s++) {
    const cx = r() * 8;
    const cy = r() * 8;
    const w = 1 + r() * 3;
    const x = new Float32Array(64);
    for (let i = 0; i < 64; i++) {
      const d = ((i % 8) - cx) ** 2 + (Math.floor(i / 8) - cy) ** 2;
      x[i] = Math.round(255 * Math.min(1, Math.exp(-d / (2 * w * w)) + r() * 0.1)) / 255;
    }
    out.push(x);
  }
  return out;
}
