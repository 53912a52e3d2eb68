/**
 * A DS-CNN shaped like `edgeq demo`'s (toolchain/train/zoo.ts dsCnn for 28x28x1, as the importer
 * writes it: GlobalAveragePooling2D as AVERAGE_POOL_2D + RESHAPE), with seeded random int8
 * weights, written with the toolchain's writer: within TensorFlow Lite Micro's 9 ops.
 *   input [1,28,28,1] -> CONV 3x3 s2 SAME 24 RELU -> 4 x (DW 3x3 RELU + PW 1x1 RELU):
 *   (32, s1) (64, s2) (64, s1) (64, s1) -> [1,7,7,64] -> AVG_POOL 7x7 -> RESHAPE [1,64]
 *   -> FC 10 -> SOFTMAX
 */
import type { Graph, QuantParams } from "../../toolchain/ir/types.js";
import { GraphBuilder, rng } from "../helpers/models.js";

const q1 = (scale: number, zp: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zp],
  axis: 0,
});

export function demoDsCnn(seed = 1): Graph {
  const r = rng(seed);
  const m = new GraphBuilder();
  const act = (name: string, shape: number[]) => m.tensor(name, shape, "int8", undefined, q1(0.05, -128));
  const weights = (name: string, shape: number[], axis: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ch = shape[axis] as number;
    const data = new Int8Array(n).map(() => Math.round(r() * 254 - 127));
    const fan = n / ch;
    const scale = Array.from({ length: ch }, () => Math.fround((0.5 + r()) / (20 * Math.sqrt(fan))));
    return m.tensor(name, shape, "int8", data, { scale, zeroPoint: scale.map(() => 0), axis });
  };
  const layer = (inp: number, name: string, wShape: number[], out: number[], dw: boolean, stride: number) => {
    const w = weights(`${name}/w`, wShape, dw ? 3 : 0);
    const ws = m.g.tensors[w]?.quant?.scale as number[];
    const bs = ws.map((s) => Math.fround(s * 0.05));
    const b = m.tensor(
      `${name}/b`,
      [out[3] as number],
      "int32",
      new Int32Array(out[3] as number).map(() => Math.round(r() * 400 - 200)),
      { scale: bs, zeroPoint: bs.map(() => 0), axis: 0 },
    );
    const y = act(name, out);
    const o = {
      padding: "SAME" as const,
      strideH: stride,
      strideW: stride,
      dilationH: 1,
      dilationW: 1,
      activation: "RELU" as const,
    };
    if (dw) m.op("DEPTHWISE_CONV_2D", [inp, w, b], [y], { ...o, depthMultiplier: 1 });
    else m.op("CONV_2D", [inp, w, b], [y], o);
    return y;
  };
  const x = act("input", [1, 28, 28, 1]);
  m.g.inputs = [x];
  let h = layer(x, "conv0", [24, 3, 3, 1], [1, 14, 14, 24], false, 2);
  let c = 24;
  let s = 14;
  [
    [32, 1],
    [64, 2],
    [64, 1],
    [64, 1],
  ].forEach(([f, st], j) => {
    s = Math.ceil(s / (st as number));
    h = layer(h, `block${j + 1}`, [1, 3, 3, c], [1, s, s, c], true, st as number);
    h = layer(h, `block${j + 1}_pw`, [f as number, 1, 1, c], [1, s, s, f as number], false, 1);
    c = f as number;
  });
  const pooled = act("gap/pool", [1, 1, 1, c]);
  m.op("AVERAGE_POOL_2D", [h], [pooled], {
    padding: "VALID",
    strideH: 1,
    strideW: 1,
    filterH: s,
    filterW: s,
    activation: "NONE",
  });
  const shape = m.tensor("gap/shape", [2], "int32", new Int32Array([1, c]));
  const flat = act("gap", [1, c]);
  m.op("RESHAPE", [pooled, shape], [flat], { newShape: [1, c] });
  const fw = m.tensor(
    "logits/w",
    [10, c],
    "int8",
    new Int8Array(10 * c).map(() => Math.round(r() * 254 - 127)),
    q1(0.01, 0),
  );
  const fb = m.tensor(
    "logits/b",
    [10],
    "int32",
    new Int32Array(10).map(() => Math.round(r() * 200 - 100)),
    q1(0.0005, 0),
  );
  const logits = m.tensor("logits", [1, 10], "int8", undefined, q1(0.1, 0));
  m.op("FULLY_CONNECTED", [flat, fw, fb], [logits], { activation: "NONE", keepNumDims: false });
  const probs = m.tensor("probs", [1, 10], "int8", undefined, q1(1 / 256, -128));
  m.op("SOFTMAX", [logits], [probs], { beta: 1 });
  m.g.outputs = [probs];
  m.g.description = "edgeq test demo-shaped ds-cnn";
  return m.g;
}

/** A seeded random int8 input of n values. */
export function int8Input(n: number, seed: number): Int8Array {
  const r = rng(seed);
  return new Int8Array(n).map(() => Math.floor(r() * 256) - 128);
}
