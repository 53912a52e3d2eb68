/**
 * MobileNet-v1 0.25 at 96x96x1, int8, random weights (seeded): conv 3x3 s2 (8) then 13
 * depthwise-separable blocks (16 32 32 64 64 128x6 256x2), average pool, FC 10, softmax.
 * About 7.2 MMAC. Per-channel weight scales; every ReLU6 activation quantized as [0, 6]
 * (scale 6/255, zero point -128); the input as pixels / 255 (scale 1/255, zero point -128).
 */
import type { Graph, QuantParams } from "../../toolchain/ir/types.js";
import {
  MOBILENET_V1_BLOCKS,
  MOBILENET_V1_STEM_FILTERS,
  mobilenetV1Width,
} from "../../toolchain/train/mobilenet-v1-plan.js";
import { prng } from "./gen.js";

const q = (scale: number, zp: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zp],
  axis: 0,
});

export function mobilenetV1(seed = 1, alpha = 0.25, size = 96, classes = 10): Graph {
  const r = prng(seed);
  const g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  const t = (
    shape: number[],
    dtype: "int8" | "int32",
    quant?: QuantParams,
    data?: Int8Array | Int32Array,
  ) => {
    g.tensors.push({
      name: `t${g.tensors.length}`,
      shape,
      dtype,
      ...(quant ? { quant } : {}),
      ...(data ? { data } : {}),
    });
    return g.tensors.length - 1;
  };
  const relu6 = q(6 / 255, -128);
  const weights = (n: number) => Int8Array.from({ length: n }, () => Math.floor(r() * 255) - 127);
  let x = t([1, size, size, 1], "int8", q(1 / 255, -128));
  g.inputs.push(x);
  let hw = size;
  let c = 1;
  const layer = (dw: boolean, k: number, stride: number, oc: number) => {
    const K = dw ? k * k : k * k * c;
    const ws = Array.from({ length: oc }, () => Math.fround((3 + 3 * r()) / (127 * Math.sqrt(K))));
    const inScale = g.tensors[x]!.quant!.scale[0]!;
    const W = t(
      dw ? [1, k, k, oc] : [oc, k, k, c],
      "int8",
      { scale: ws, zeroPoint: ws.map(() => 0), axis: dw ? 3 : 0 },
      weights(oc * K),
    );
    const B = t(
      [oc],
      "int32",
      { scale: ws.map((s) => Math.fround(inScale * s)), zeroPoint: ws.map(() => 0), axis: 0 },
      Int32Array.from({ length: oc }, () => Math.floor((r() - 0.3) * 200)),
    );
    hw = Math.ceil(hw / stride);
    const y = t([1, hw, hw, oc], "int8", relu6);
    const o = {
      padding: "SAME" as const,
      strideH: stride,
      strideW: stride,
      dilationH: 1,
      dilationW: 1,
      activation: "RELU6" as const,
    };
    if (dw)
      g.ops.push({
        type: "DEPTHWISE_CONV_2D",
        inputs: [x, W, B],
        outputs: [y],
        options: { ...o, depthMultiplier: 1 },
      });
    else g.ops.push({ type: "CONV_2D", inputs: [x, W, B], outputs: [y], options: o });
    x = y;
    c = oc;
  };
  const ch = (n: number) => mobilenetV1Width(n, alpha);
  layer(false, 3, 2, ch(MOBILENET_V1_STEM_FILTERS));
  for (const [n, s] of MOBILENET_V1_BLOCKS) {
    layer(true, 3, s, c);
    layer(false, 1, 1, ch(n));
  }
  const p = t([1, 1, 1, c], "int8", relu6);
  g.ops.push({
    type: "AVERAGE_POOL_2D",
    inputs: [x],
    outputs: [p],
    options: { padding: "VALID", strideH: hw, strideW: hw, filterH: hw, filterW: hw, activation: "NONE" },
  });
  const shape = t([2], "int32", undefined, Int32Array.from([1, c]));
  const flat = t([1, c], "int8", relu6);
  g.ops.push({ type: "RESHAPE", inputs: [p, shape], outputs: [flat], options: { newShape: [1, c] } });
  const ws = Math.fround(1 / (127 * Math.sqrt(c)));
  const W = t([classes, c], "int8", q(ws, 0), weights(classes * c));
  const B = t(
    [classes],
    "int32",
    q((6 / 255) * ws, 0),
    Int32Array.from({ length: classes }, () => Math.floor((r() - 0.5) * 2000)),
  );
  const logits = t([1, classes], "int8", q(0.05, 0));
  g.ops.push({
    type: "FULLY_CONNECTED",
    inputs: [flat, W, B],
    outputs: [logits],
    options: { activation: "NONE", keepNumDims: false },
  });
  const prob = t([1, classes], "int8", q(1 / 256, -128));
  g.ops.push({ type: "SOFTMAX", inputs: [logits], outputs: [prob], options: { beta: 1 } });
  g.outputs.push(prob);
  return g;
}

/** A seeded 96x96 input image (int8 pixels). */
export function mobilenetInput(seed = 2, size = 96): Int8Array {
  const r = prng(seed);
  return Int8Array.from(
    { length: size * size },
    (_, i) => Math.floor(((Math.sin(i / 37) + 1) / 2) * 200 * r()) - 128,
  );
}
