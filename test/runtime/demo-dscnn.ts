/**
 * An int8 DS-CNN of the demo's shape (toolchain/train/zoo.ts dsCnn on 28x28x1 Fashion-MNIST:
 * CONV 3x3/2 -> 14x14x24, blocks (DW 3x3 + PW 1x1) of 32/1, 64/2, 64/1, 64/1 -> 7x7x64,
 * global AVERAGE_POOL_2D, RESHAPE, FC 10, SOFTMAX; 0.81 MMAC) with seeded random weights, as the
 * importer writes it (GAP as AVERAGE_POOL_2D + RESHAPE; RELU fused; per-channel weights). For
 * timing and same-bytes checks of the Espruino path without training the demo.
 */
import type { Graph, QuantParams } from "../../toolchain/ir/types.js";
import { GraphBuilder, rng } from "../helpers/models.js";

const perTensor = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zeroPoint],
  axis: 0,
});

export const DEMO_DSCNN_INPUT = [1, 28, 28, 1];

export function demoDsCnn(seed = 1): Graph {
  const r = rng(seed);
  const m = new GraphBuilder();
  const act = (name: string, shape: number[]) =>
    m.tensor(name, shape, "int8", undefined, perTensor(0.05, -128));
  const weights = (name: string, shape: number[], axis: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Int8Array(n).map(() => Math.round(r() * 254 - 127));
    const scale = Array.from({ length: shape[axis] as number }, () => Math.fround(0.001 + r() * 0.002));
    return m.tensor(name, shape, "int8", data, { scale, zeroPoint: scale.map(() => 0), axis });
  };
  const bias = (name: string, n: number, wScale: number[]) => {
    const scale = wScale.map((s) => Math.fround(s * 0.05));
    const data = new Int32Array(n).map(() => Math.round(r() * 2000 - 1000));
    return m.tensor(name, [n], "int32", data, { scale, zeroPoint: scale.map(() => 0), axis: 0 });
  };
  const x = m.tensor("input", DEMO_DSCNN_INPUT, "int8", undefined, perTensor(1 / 255, -128));
  m.g.inputs = [x];
  const conv = (
    input: number,
    name: string,
    wShape: number[],
    out: number[],
    dw: boolean,
    stride: number,
  ) => {
    const w = weights(`${name}/w`, wShape, dw ? 3 : 0);
    const b = bias(`${name}/b`, out[3] as number, m.g.tensors[w]?.quant?.scale as number[]);
    const y = act(name, out);
    const o = {
      padding: "SAME" as const,
      strideH: stride,
      strideW: stride,
      dilationH: 1,
      dilationW: 1,
      activation: "RELU" as const,
    };
    if (dw) m.op("DEPTHWISE_CONV_2D", [input, w, b], [y], { ...o, depthMultiplier: 1 });
    else m.op("CONV_2D", [input, w, b], [y], o);
    return y;
  };
  let h = conv(x, "conv0", [24, 3, 3, 1], [1, 14, 14, 24], false, 2);
  let C = 24;
  let S = 14;
  [
    [32, 1],
    [64, 2],
    [64, 1],
    [64, 1],
  ].forEach(([filters, stride], i) => {
    S = Math.ceil(S / (stride as number));
    h = conv(h, `block${i + 1}_dw`, [1, 3, 3, C], [1, S, S, C], true, stride as number);
    h = conv(h, `block${i + 1}_pw`, [filters as number, 1, 1, C], [1, S, S, filters as number], false, 1);
    C = filters as number;
  });
  const pooled = act("gap/pool", [1, 1, 1, C]);
  m.op("AVERAGE_POOL_2D", [h], [pooled], {
    padding: "VALID",
    strideH: 1,
    strideW: 1,
    filterH: S,
    filterW: S,
    activation: "NONE",
  });
  const shape = m.tensor("gap/shape", [2], "int32", new Int32Array([1, C]));
  const flat = act("gap", [1, C]);
  m.op("RESHAPE", [pooled, shape], [flat], { newShape: [1, C] });
  const fw = m.tensor(
    "logits/w",
    [10, C],
    "int8",
    new Int8Array(10 * C).map(() => Math.round(r() * 254 - 127)),
    perTensor(0.01, 0),
  );
  const fb = m.tensor("logits/b", [10], "int32", new Int32Array(10), perTensor(0.0005, 0));
  const logits = act("logits", [1, 10]);
  m.op("FULLY_CONNECTED", [flat, fw, fb], [logits], { activation: "NONE", keepNumDims: false });
  const probs = m.tensor("probs", [1, 10], "int8", undefined, perTensor(1 / 256, -128));
  m.op("SOFTMAX", [logits], [probs], { beta: 1 });
  m.g.outputs = [probs];
  m.g.description = "demo-shaped ds-cnn (random weights)";
  return m.g;
}

/** A seeded int8 input of the demo DS-CNN. */
export function demoDsCnnInput(seed: number): Int8Array {
  const r = rng(seed);
  return new Int8Array(28 * 28).map(() => Math.floor(r() * 256) - 128);
}
