/**
 * Int8 test graphs for the fit check: a keyword-spotting DS-CNN in the style of "Hello Edge"
 * (input 49x10 MFCC, CONV 10x4 s2 C channels, 4 x (DW 3x3 + PW 1x1 C), AVG_POOL, RESHAPE,
 * FC 12, SOFTMAX) with seeded random weights; only the 9 ops of TFLite Micro.
 * C=96: about 45k int8 weights, too large for a Puck.js; C=16: a small model.
 */
import type { Graph, QuantParams } from "../../toolchain/ir/types.js";
import { GraphBuilder, rng } from "../helpers/models.js";

const q1 = (scale: number, zp: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zp],
  axis: 0,
});

export function kwsDsCnn(seed = 1, channels = 64): Graph {
  const r = rng(seed);
  const m = new GraphBuilder();
  const act = (name: string, shape: number[]) => m.tensor(name, shape, "int8", undefined, q1(0.05, -128));
  const weights = (name: string, shape: number[], axis: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ch = shape[axis]!;
    const data = new Int8Array(n).map(() => Math.round(r() * 254 - 127));
    const scale = Array.from({ length: ch }, () => Math.fround(0.01 + r() * 0.01));
    return m.tensor(name, shape, "int8", data, { scale, zeroPoint: scale.map(() => 0), axis });
  };
  const bias = (name: string, n: number, wScale: number[]) => {
    const scale = wScale.map((s) => Math.fround(s * 0.05));
    return m.tensor(
      name,
      [n],
      "int32",
      new Int32Array(n).map(() => Math.round(r() * 200 - 100)),
      {
        scale,
        zeroPoint: scale.map(() => 0),
        axis: 0,
      },
    );
  };
  const C = channels;
  const x = act("input", [1, 49, 10, 1]);
  m.g.inputs = [x];
  const conv = (inp: number, name: string, wShape: number[], out: number[], dw: boolean, stride: number) => {
    const w = weights(`${name}/w`, wShape, dw ? 3 : 0);
    const b = bias(`${name}/b`, out[3]!, m.g.tensors[w]!.quant!.scale);
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
  let h = conv(x, "conv0", [C, 10, 4, 1], [1, 25, 5, C], false, 2);
  for (let i = 1; i <= 4; i++) {
    h = conv(h, `dw${i}`, [1, 3, 3, C], [1, 25, 5, C], true, 1);
    h = conv(h, `pw${i}`, [C, 1, 1, C], [1, 25, 5, C], false, 1);
  }
  const pooled = act("pool", [1, 1, 1, C]);
  m.op("AVERAGE_POOL_2D", [h], [pooled], {
    padding: "VALID",
    strideH: 25,
    strideW: 5,
    filterH: 25,
    filterW: 5,
    activation: "NONE",
  });
  const shape = m.tensor("shape", [2], "int32", new Int32Array([1, C]));
  const flat = act("flat", [1, C]);
  m.op("RESHAPE", [pooled, shape], [flat], { newShape: [1, C] });
  const fw = m.tensor(
    "fc/w",
    [12, C],
    "int8",
    new Int8Array(12 * C).map(() => Math.round(r() * 254 - 127)),
    q1(0.01, 0),
  );
  const fb = m.tensor("fc/b", [12], "int32", new Int32Array(12), q1(0.0005, 0));
  const logits = act("logits", [1, 12]);
  m.op("FULLY_CONNECTED", [flat, fw, fb], [logits], { activation: "NONE", keepNumDims: false });
  const probs = m.tensor("probs", [1, 12], "int8", undefined, q1(1 / 256, -128));
  m.op("SOFTMAX", [logits], [probs], { beta: 1 });
  m.g.outputs = [probs];
  m.g.description = "edgeq test kws ds-cnn";
  return m.g;
}
