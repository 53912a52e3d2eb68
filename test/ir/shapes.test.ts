import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { broadcastShapes, checkGraph, outSize } from "../../toolchain/ir/shapes.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { floatDsCnn, GraphBuilder, int8DsCnn } from "../helpers/models.js";

function shapeError(g: Graph): EdgeqError {
  try {
    checkGraph(g);
  } catch (e) {
    if (e instanceof EdgeqError) return e;
    throw e;
  }
  throw new Error("expected checkGraph to throw");
}

function conv(
  inShape: number[],
  wShape: number[],
  outShape: number[],
  o: Partial<Record<string, unknown>> = {},
) {
  const m = new GraphBuilder();
  const x = m.tensor("x", inShape, "float32");
  const w = m.tensor("w", wShape, "float32", new Float32Array(wShape.reduce((a, b) => a * b, 1)));
  const y = m.tensor("y", outShape, "float32");
  m.op("CONV_2D", [x, w, -1], [y], {
    padding: "VALID",
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    activation: "NONE",
    ...o,
  });
  m.g.inputs = [x];
  m.g.outputs = [y];
  return m.g;
}

describe("checkGraph", () => {
  it("accepts the float and int8 DS-CNN test models (every op)", () => {
    expect(() => checkGraph(floatDsCnn(1))).not.toThrow();
    expect(() => checkGraph(int8DsCnn(1))).not.toThrow();
  });

  it("conv2d input rank 3 -> 'op 0 CONV_2D: input must be rank 4, got rank 3'", () => {
    const e = shapeError(conv([8, 8, 1], [4, 3, 3, 1], [1, 6, 6, 4]));
    expect(e.code).toBe("shape/conv_2d");
    expect(e.message).toMatch(/^op 0 CONV_2D: input must be rank 4, got rank 3/);
  });

  it("conv2d k=3 s=1 pad=valid in=8x8: output 7x7 is wrong, expected [1,6,6,4]", () => {
    const e = shapeError(conv([1, 8, 8, 1], [4, 3, 3, 1], [1, 7, 7, 4]));
    expect(e.message).toMatch(/output must have shape \[1,6,6,4\], got \[1,7,7,4\]/);
  });

  it("conv2d k=3 s=2 pad=same in=7x7 -> 4x4 accepted; channel mismatch rejected", () => {
    expect(() =>
      checkGraph(conv([1, 7, 7, 2], [4, 3, 3, 2], [1, 4, 4, 4], { padding: "SAME", strideH: 2, strideW: 2 })),
    ).not.toThrow();
    expect(shapeError(conv([1, 7, 7, 3], [4, 3, 3, 2], [1, 5, 5, 4])).message).toMatch(
      /expects 2 input channels, input has 3/,
    );
  });

  it("conv2d stride 0 rejected", () => {
    expect(shapeError(conv([1, 8, 8, 1], [4, 3, 3, 1], [1, 6, 6, 4], { strideH: 0 })).message).toMatch(
      /strideH must be a positive integer/,
    );
  });

  it("dwconv k=3 s=1 pad=valid ch=4 mult=2: filter channels must equal ch*mult", () => {
    const m = new GraphBuilder();
    const x = m.tensor("x", [1, 5, 5, 4], "float32");
    const w = m.tensor("w", [1, 3, 3, 6], "float32", new Float32Array(54));
    const y = m.tensor("y", [1, 3, 3, 6], "float32");
    m.op("DEPTHWISE_CONV_2D", [x, w, -1], [y], {
      padding: "VALID",
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      depthMultiplier: 2,
      activation: "NONE",
    });
    expect(shapeError(m.g).message).toMatch(
      /op 0 DEPTHWISE_CONV_2D: filter channels 6 are not a multiple of input channels 4/,
    );
  });

  it("int8 activation without quantization and per-channel scale count mismatch are rejected", () => {
    const g = int8DsCnn(1);
    const t = g.tensors.find((x) => x.name === "add")!;
    delete t.quant;
    expect(shapeError(g).code).toBe("shape/quant");
    const g2 = int8DsCnn(1);
    const q = g2.tensors.find((x) => x.name === "c1/w")!.quant!;
    q.scale.pop();
    q.zeroPoint.pop();
    expect(shapeError(g2).message).toMatch(/per-channel scales do not match axis 0/);
  });

  it("ADD [1,6,6,8] + [5] does not broadcast; FC rows must divide; softmax shape must match", () => {
    const g = floatDsCnn(1);
    const mulC = g.tensors.find((x) => x.name === "mul/c")!;
    mulC.shape = [5];
    expect(shapeError(g).message).toMatch(/op \d+ MUL: inputs \[1,6,6,8\] and \[5\] do not broadcast/);
    const g2 = floatDsCnn(1);
    g2.tensors.find((x) => x.name === "fc/w")!.shape = [10, 15];
    expect(shapeError(g2).message).toMatch(/FULLY_CONNECTED: input \[1,16\] does not split into rows of 15/);
  });

  it("helpers: outSize and broadcastShapes", () => {
    expect(outSize("SAME", 7, 3, 2)).toBe(4);
    expect(outSize("VALID", 7, 3, 2)).toBe(3);
    expect(outSize("VALID", 7, 3, 1, 3)).toBe(1);
    expect(outSize("VALID", 2, 3, 1)).toBe(0);
    expect(broadcastShapes([1, 6, 6, 8], [8])).toEqual([1, 6, 6, 8]);
    expect(broadcastShapes([2, 1], [1, 3])).toEqual([2, 3]);
    expect(broadcastShapes([4], [3])).toBeUndefined();
  });
});

describe("checkGraph tensor limits", () => {
  it("activation shape [1,65536,65536,1] (2^32 elements) is rejected before anyone allocates it", () => {
    const g = conv([1, 65536, 65536, 1], [4, 3, 3, 1], [1, 65534, 65534, 4]);
    expect(shapeError(g).message).toMatch(/more than 2\^28 elements/);
  });
});

describe("checkGraph op order", () => {
  it("ops swapped (RELU before the MUL that feeds it) -> shape/order naming the tensor", () => {
    const g = floatDsCnn(1);
    const k = g.ops.findIndex((o) => o.type === "RELU");
    [g.ops[k - 1], g.ops[k]] = [g.ops[k]!, g.ops[k - 1]!];
    const e = shapeError(g);
    expect(e.code).toBe("shape/order");
    expect(e.message).toMatch(
      /RELU: input tensor \d+ 'mul' is not a constant, a graph input or the output of an earlier op/,
    );
  });

  it("op writing into a constant -> shape/order; graph output never computed -> shape/order", () => {
    const g = floatDsCnn(1);
    const relu = g.ops.find((o) => o.type === "RELU")!;
    const c = g.tensors.findIndex((t) => t.name === "mul/c");
    const mulOut = g.tensors.findIndex((t) => t.name === "mul");
    g.tensors[c]!.shape = [1, 6, 6, 8];
    g.tensors[c]!.data = new Float32Array(288);
    relu.outputs = [c];
    relu.inputs = [mulOut];
    expect(shapeError(g).message).toMatch(/output tensor \d+ 'mul\/c' is already a constant/);
    const g2 = floatDsCnn(1);
    g2.ops.pop();
    expect(shapeError(g2).message).toMatch(/graph output tensor \d+ 'probs' is never computed/);
  });
});

describe("checkGraph dtypes", () => {
  it("int8 conv with float32 weights, float bias on int8 conv, per-channel weights on axis 3 of CONV_2D", () => {
    const g = int8DsCnn(1);
    const w = g.tensors.find((t) => t.name === "c1/w")!;
    w.dtype = "float32";
    w.data = new Float32Array(144);
    expect(shapeError(g).message).toMatch(/op 2 CONV_2D: int8 input needs int8 weights, got float32/);
    const g2 = int8DsCnn(1);
    const b = g2.tensors.find((t) => t.name === "pw1/b")!;
    b.dtype = "float32";
    b.data = new Float32Array(8);
    delete b.quant;
    expect(shapeError(g2).message).toMatch(/CONV_2D: int8 input needs an int32 bias, got float32/);
    const g3 = floatDsCnn(1);
    const w3 = g3.tensors.find((t) => t.name === "pw1/w")!;
    w3.quant = { scale: new Array(16).fill(0.1), zeroPoint: new Array(16).fill(0), axis: 3 };
    expect(shapeError(g3).message).toMatch(/quantized per channel along axis 3; CONV_2D needs axis 0/);
  });

  it("RELU6 float32 input with an int8 output -> dtype error", () => {
    const g = floatDsCnn(1);
    const r6 = g.tensors.find((t) => t.name === "relu6")!;
    r6.dtype = "int8";
    r6.quant = { scale: [0.1], zeroPoint: [0], axis: 0 };
    expect(shapeError(g).message).toMatch(/RELU6: output must have dtype float32, got int8/);
  });
});
