/**
 * Builders of test graphs: a float and an int8 DS-CNN-like model that use every op of the
 * IR, with seeded random weights. Shapes are small so that tests stay fast.
 */
import type {
  Activation,
  DType,
  Graph,
  Op,
  OpType,
  OptionsOf,
  QuantParams,
  Tensor,
  TensorData,
} from "../../toolchain/ir/types.js";

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tiny helper that appends tensors and ops to a Graph. */
export class GraphBuilder {
  readonly g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };

  tensor(name: string, shape: number[], dtype: DType, data?: TensorData, quant?: QuantParams): number {
    const t: Tensor = { name, shape, dtype };
    if (data) t.data = data;
    if (quant) t.quant = quant;
    this.g.tensors.push(t);
    return this.g.tensors.length - 1;
  }

  op<T extends OpType>(type: T, inputs: number[], outputs: number[], options: OptionsOf<T>): void {
    this.g.ops.push({ type, inputs, outputs, options } as Op);
  }
}

/** Scales are float32 in a .tflite file: keep them float32-exact so round trips compare equal. */
const perTensor = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zeroPoint],
  axis: 0,
});

function conv(
  strideH: number,
  strideW: number,
  padding: "SAME" | "VALID",
  activation: Activation,
  dilation = 1,
): OptionsOf<"CONV_2D"> {
  return { padding, strideH, strideW, dilationH: dilation, dilationW: dilation, activation };
}

/**
 * Weights of the model, kept independent of the dtype so the float and int8 models share
 * a topology. Layout (NHWC, TFLite weight layouts):
 *   input [1,12,12,2] -> PAD 1 -> CONV 3x3 s1 valid 8 RELU6 -> DW 3x3 s2 same mult 2 (16) RELU
 *   -> CONV 1x1 8 -> DW 3x3 s1 same dilation 2 mult 1 RELU6 -> CONV 1x1 8 RELU -> ADD (residual)
 *   -> MUL (per-channel const) -> RELU -> MAX_POOL 2x2 s2 -> AVG_POOL 3x3 s1 same -> RELU6
 *   -> CONCATENATION (axis 3 with itself, 16) -> [QUANTIZE -> DEQUANTIZE in the float model]
 *   -> MEAN axes [1,2] keepDims -> RESHAPE [1,16] -> FC 10 -> SOFTMAX
 */
export const DSCNN_INPUT_SHAPE = [1, 12, 12, 2];
export const DSCNN_OUTPUT_SHAPE = [1, 10];

interface Layer {
  w: Float32Array;
  b: Float32Array;
  shape: number[];
}

function layer(r: () => number, shape: number[], outC: number): Layer {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = n / outC;
  const w = new Float32Array(n).map(() => (r() * 2 - 1) * Math.sqrt(3 / fanIn));
  const b = new Float32Array(outC).map(() => (r() * 2 - 1) * 0.1);
  return { w, b, shape };
}

function weights(seed: number): Record<string, Layer> {
  const r = rng(seed);
  return {
    c1: layer(r, [8, 3, 3, 2], 8),
    dw1: layer(r, [1, 3, 3, 16], 16),
    pw1: layer(r, [8, 1, 1, 16], 8),
    dw2: layer(r, [1, 3, 3, 8], 8),
    pw2: layer(r, [8, 1, 1, 8], 8),
    mul: { w: new Float32Array(8).map(() => 0.5 + r()), b: new Float32Array(0), shape: [8] },
    fc: layer(r, [10, 16], 10),
  };
}

const PADDINGS = new Int32Array([0, 0, 1, 1, 1, 1, 0, 0]);
const MEAN_AXES = new Int32Array([1, 2]);
const RESHAPE_TO = new Int32Array([1, 16]);

/** Float32 DS-CNN-like model with every op of the IR (QUANTIZE/DEQUANTIZE as a pair). */
export function floatDsCnn(seed = 1): Graph {
  const W = weights(seed);
  const m = new GraphBuilder();
  const f = (name: string, shape: number[], data?: Float32Array) => m.tensor(name, shape, "float32", data);
  const x = f("input", DSCNN_INPUT_SHAPE);
  m.g.inputs = [x];
  const pads = m.tensor("paddings", [4, 2], "int32", PADDINGS);
  const p = f("pad", [1, 14, 14, 2]);
  m.op("PAD", [x, pads], [p], {});
  const convLayer = (name: string, inp: number, L: Layer, outShape: number[], dw: boolean, o: object) => {
    const w = f(`${name}/w`, L.shape, L.w);
    const b = f(`${name}/b`, [L.b.length], L.b);
    const y = f(name, outShape);
    if (dw) m.op("DEPTHWISE_CONV_2D", [inp, w, b], [y], o as OptionsOf<"DEPTHWISE_CONV_2D">);
    else m.op("CONV_2D", [inp, w, b], [y], o as OptionsOf<"CONV_2D">);
    return y;
  };
  const c1 = convLayer("c1", p, W.c1!, [1, 12, 12, 8], false, conv(1, 1, "VALID", "RELU6"));
  const d1 = convLayer("dw1", c1, W.dw1!, [1, 6, 6, 16], true, {
    ...conv(2, 2, "SAME", "RELU"),
    depthMultiplier: 2,
  });
  const p1 = convLayer("pw1", d1, W.pw1!, [1, 6, 6, 8], false, conv(1, 1, "VALID", "NONE"));
  const d2 = convLayer("dw2", p1, W.dw2!, [1, 6, 6, 8], true, {
    ...conv(1, 1, "SAME", "RELU6", 2),
    depthMultiplier: 1,
  });
  const p2 = convLayer("pw2", d2, W.pw2!, [1, 6, 6, 8], false, conv(1, 1, "VALID", "RELU"));
  const add = f("add", [1, 6, 6, 8]);
  m.op("ADD", [p1, p2], [add], { activation: "NONE" });
  const mc = f("mul/c", [8], W.mul!.w);
  const mul = f("mul", [1, 6, 6, 8]);
  m.op("MUL", [add, mc], [mul], { activation: "NONE" });
  const relu = f("relu", [1, 6, 6, 8]);
  m.op("RELU", [mul], [relu], {});
  const mp = f("maxpool", [1, 3, 3, 8]);
  m.op("MAX_POOL_2D", [relu], [mp], pool(2, 2, "VALID"));
  const ap = f("avgpool", [1, 3, 3, 8]);
  m.op("AVERAGE_POOL_2D", [mp], [ap], pool(3, 1, "SAME"));
  const r6 = f("relu6", [1, 3, 3, 8]);
  m.op("RELU6", [ap], [r6], {});
  const cat = f("concat", [1, 3, 3, 16]);
  m.op("CONCATENATION", [r6, ap], [cat], { axis: 3, activation: "NONE" });
  const q = m.tensor("fakequant/q", [1, 3, 3, 16], "int8", undefined, perTensor(6 / 255, -128));
  m.op("QUANTIZE", [cat], [q], {});
  const dq = f("fakequant/dq", [1, 3, 3, 16]);
  m.op("DEQUANTIZE", [q], [dq], {});
  const axes = m.tensor("mean/axes", [2], "int32", MEAN_AXES);
  const mean = f("mean", [1, 1, 1, 16]);
  m.op("MEAN", [dq, axes], [mean], { keepDims: true });
  const shp = m.tensor("reshape/shape", [2], "int32", RESHAPE_TO);
  const flat = f("flatten", [1, 16]);
  m.op("RESHAPE", [mean, shp], [flat], { newShape: [1, 16] });
  const fcW = f("fc/w", W.fc!.shape, W.fc!.w);
  const fcB = f("fc/b", [10], W.fc!.b);
  const logits = f("logits", [1, 10]);
  m.op("FULLY_CONNECTED", [flat, fcW, fcB], [logits], { activation: "NONE", keepNumDims: false });
  const out = f("probs", [1, 10]);
  m.op("SOFTMAX", [logits], [out], { beta: 1 });
  m.g.outputs = [out];
  m.g.description = "edgeq test float ds-cnn";
  return m.g;
}

function pool(k: number, s: number, padding: "SAME" | "VALID"): OptionsOf<"MAX_POOL_2D"> {
  return { padding, strideH: s, strideW: s, filterH: k, filterW: k, activation: "NONE" };
}

/** Symmetric int8 per-channel quantization of weights along `axis` (TFLite's scheme). */
export function quantizeWeights(
  L: Layer,
  axis: number,
  perChannel = true,
): { q: Int8Array; scale: number[] } {
  const shape = L.shape;
  const ch = perChannel ? shape[axis]! : 1;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const chanOf = (i: number) => (perChannel ? Math.floor(i / inner) % ch : 0);
  const maxAbs = new Array<number>(ch).fill(1e-6);
  L.w.forEach((v, i) => {
    const c = chanOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(v));
  });
  const scale = maxAbs.map((m) => Math.fround(m / 127));
  const q = new Int8Array(L.w.length).map((_, i) => Math.round(L.w[i]! / scale[chanOf(i)]!));
  return { q, scale };
}

/**
 * Int8 DS-CNN-like model with every op: float input -> QUANTIZE -> int8 body (same topology
 * as floatDsCnn) -> DEQUANTIZE -> float output. Per-channel CONV_2D / DEPTHWISE_CONV_2D
 * weights, per-tensor FULLY_CONNECTED, int32 biases with scale = input * weight scale.
 * Activation scales are fixed guesses (not calibrated): good enough to load and run.
 */
export function int8DsCnn(seed = 1): Graph {
  const W = weights(seed);
  const m = new GraphBuilder();
  const act = (name: string, shape: number[], scale: number, zp: number) =>
    m.tensor(name, shape, "int8", undefined, perTensor(scale, zp));
  const x = m.tensor("input", DSCNN_INPUT_SHAPE, "float32");
  m.g.inputs = [x];
  const xq = act("input/q", DSCNN_INPUT_SHAPE, 1 / 255, -128);
  m.op("QUANTIZE", [x], [xq], {});
  const pads = m.tensor("paddings", [4, 2], "int32", PADDINGS);
  const p = act("pad", [1, 14, 14, 2], 1 / 255, -128);
  m.op("PAD", [xq, pads], [p], {});
  const scaleOf = (t: number) => m.g.tensors[t]!.quant!.scale[0]!;
  const convLayer = (
    name: string,
    inp: number,
    L: Layer,
    outShape: number[],
    dw: boolean,
    o: object,
    outScale: number,
    outZp: number,
  ) => {
    const axis = dw ? 3 : 0;
    const { q, scale } = quantizeWeights(L, axis);
    const w = m.tensor(`${name}/w`, L.shape, "int8", q, { scale, zeroPoint: scale.map(() => 0), axis });
    const inS = scaleOf(inp);
    const bs = scale.map((s) => Math.fround(s * inS));
    const bq = new Int32Array(L.b.length).map((_, c) => Math.round(L.b[c]! / bs[c]!));
    const b = m.tensor(`${name}/b`, [L.b.length], "int32", bq, {
      scale: bs,
      zeroPoint: bs.map(() => 0),
      axis: 0,
    });
    const y = act(name, outShape, outScale, outZp);
    if (dw) m.op("DEPTHWISE_CONV_2D", [inp, w, b], [y], o as OptionsOf<"DEPTHWISE_CONV_2D">);
    else m.op("CONV_2D", [inp, w, b], [y], o as OptionsOf<"CONV_2D">);
    return y;
  };
  const c1 = convLayer("c1", p, W.c1!, [1, 12, 12, 8], false, conv(1, 1, "VALID", "RELU6"), 6 / 255, -128);
  const d1 = convLayer(
    "dw1",
    c1,
    W.dw1!,
    [1, 6, 6, 16],
    true,
    { ...conv(2, 2, "SAME", "RELU"), depthMultiplier: 2 },
    0.04,
    -128,
  );
  const p1 = convLayer("pw1", d1, W.pw1!, [1, 6, 6, 8], false, conv(1, 1, "VALID", "NONE"), 0.08, 3);
  const d2 = convLayer(
    "dw2",
    p1,
    W.dw2!,
    [1, 6, 6, 8],
    true,
    { ...conv(1, 1, "SAME", "RELU6", 2), depthMultiplier: 1 },
    6 / 255,
    -128,
  );
  const p2 = convLayer("pw2", d2, W.pw2!, [1, 6, 6, 8], false, conv(1, 1, "VALID", "RELU"), 0.05, -128);
  const add = act("add", [1, 6, 6, 8], 0.1, -10);
  m.op("ADD", [p1, p2], [add], { activation: "NONE" });
  const mq = quantizeWeights(W.mul!, 0, false);
  const mc = m.tensor("mul/c", [8], "int8", mq.q, perTensor(mq.scale[0]!, 0));
  const mul = act("mul", [1, 6, 6, 8], 0.12, -5);
  m.op("MUL", [add, mc], [mul], { activation: "NONE" });
  const relu = act("relu", [1, 6, 6, 8], 0.06, -128);
  m.op("RELU", [mul], [relu], {});
  const mp = act("maxpool", [1, 3, 3, 8], 0.06, -128);
  m.op("MAX_POOL_2D", [relu], [mp], pool(2, 2, "VALID"));
  const ap = act("avgpool", [1, 3, 3, 8], 0.06, -128);
  m.op("AVERAGE_POOL_2D", [mp], [ap], pool(3, 1, "SAME"));
  const r6 = act("relu6", [1, 3, 3, 8], 0.06, -128);
  m.op("RELU6", [ap], [r6], {});
  const cat = act("concat", [1, 3, 3, 16], 0.06, -128);
  m.op("CONCATENATION", [r6, ap], [cat], { axis: 3, activation: "NONE" });
  const axes = m.tensor("mean/axes", [2], "int32", MEAN_AXES);
  const mean = act("mean", [1, 1, 1, 16], 0.03, -128);
  m.op("MEAN", [cat, axes], [mean], { keepDims: true });
  const shp = m.tensor("reshape/shape", [2], "int32", RESHAPE_TO);
  const flat = act("flatten", [1, 16], 0.03, -128);
  m.op("RESHAPE", [mean, shp], [flat], { newShape: [1, 16] });
  const fq = quantizeWeights(W.fc!, 0, false);
  const fcS = fq.scale[0]!;
  const fcW = m.tensor("fc/w", W.fc!.shape, "int8", fq.q, perTensor(fcS, 0));
  const fbS = Math.fround(fcS * scaleOf(flat));
  const fcBq = new Int32Array(10).map((_, c) => Math.round(W.fc!.b[c]! / fbS));
  const fcB = m.tensor("fc/b", [10], "int32", fcBq, perTensor(fbS, 0));
  const logits = act("logits", [1, 10], 0.05, 0);
  m.op("FULLY_CONNECTED", [flat, fcW, fcB], [logits], { activation: "NONE", keepNumDims: false });
  const probs = act("probs", [1, 10], 1 / 256, -128);
  m.op("SOFTMAX", [logits], [probs], { beta: 1 });
  const out = m.tensor("output", [1, 10], "float32");
  m.op("DEQUANTIZE", [probs], [out], {});
  m.g.outputs = [out];
  m.g.description = "edgeq test int8 ds-cnn";
  return m.g;
}

/** A seeded random input of the DS-CNN models: pixels / 255 in [0, 1]. */
export function dsCnnInput(seed: number): Float32Array {
  const r = rng(seed);
  return new Float32Array(DSCNN_INPUT_SHAPE.reduce((a, b) => a * b, 1)).map(
    () => Math.round(r() * 255) / 255,
  );
}
