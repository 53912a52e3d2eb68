import { Builder } from "flatbuffers";
import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { FbReader } from "../../toolchain/tflite/fbverify.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { MODEL, OPERATOR_CODE, TENSOR } from "../../toolchain/tflite/schema.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { floatDsCnn, int8DsCnn } from "../helpers/models.js";
import { REF_CASES, REF_MODELS, refBytes } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";

function edgeqError(f: () => unknown): EdgeqError {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgeqError) return e;
    throw e;
  }
  throw new Error("expected an EdgeqError, got none");
}

describe("readTflite on reference models (round trip read -> write -> read)", () => {
  for (const name of REF_MODELS) {
    it(`${name}: rewritten file reads back to the same IR`, () => {
      const warnings: string[] = [];
      const g = readTflite(refBytes(name), { source: name, onWarning: (m) => warnings.push(m) });
      const again = readTflite(writeTflite(g), { source: `${name} (rewritten)` });
      expect(again).toEqual(g);
      expect(warnings).toEqual([]);
    });
    for (const [k, c] of REF_CASES[name].entries()) {
      it(`${name} case ${k}: native TFLite gives the README output on the original and the rewritten file`, () => {
        const orig = loadNative(refBytes(name));
        const re = loadNative(writeTflite(readTflite(refBytes(name))));
        const a = Array.from(orig.run([c.input()])[0]!);
        const b = Array.from(re.run([c.input()])[0]!);
        expect(b).toEqual(a);
        // the README prints float32 outputs as doubles: compare as float32
        expect(a).toEqual(Array.from(Float32Array.from(c.output)));
      });
    }
  }

  it("micro_speech_quantized: ops stored only in deprecated_builtin_code are read as the real op", () => {
    const bytes = refBytes("micro_speech_quantized");
    const codes = new FbReader(bytes, "ms").root("Model").tables(MODEL.operator_codes, "operator_codes");
    // the file really has no builtin_code field (older converter)
    expect(codes.map((t) => t.field(OPERATOR_CODE.builtin_code, 4, "builtin_code"))).toEqual([
      -1, -1, -1, -1,
    ]);
    expect(readTflite(bytes).ops.map((o) => o.type)).toEqual([
      "RESHAPE",
      "DEPTHWISE_CONV_2D",
      "FULLY_CONNECTED",
      "SOFTMAX",
    ]);
  });

  it("test_conv_model: QUANTIZE (code 114) and per-channel CONV_2D quant params read", () => {
    const g = readTflite(refBytes("test_conv_model"));
    expect(g.ops.map((o) => o.type)).toEqual([
      "QUANTIZE",
      "CONV_2D",
      "CONV_2D",
      "MAX_POOL_2D",
      "RESHAPE",
      "FULLY_CONNECTED",
      "DEQUANTIZE",
    ]);
    const w = g.tensors[g.ops[1]!.inputs[1]!]!;
    expect(w.shape).toEqual([16, 3, 3, 1]);
    expect(w.quant?.scale.length).toBe(16);
    expect(w.quant?.axis).toBe(0);
  });
});

describe("readTflite quirks and errors", () => {
  it("quantized_dimension 3 on a 1-D depthwise bias: warns and reads axis 0", () => {
    const g = int8DsCnn(3);
    const dw = g.ops.find((o) => o.type === "DEPTHWISE_CONV_2D")!;
    const bias = g.tensors[dw.inputs[2]!]!;
    bias.quant!.axis = 3;
    const warnings: string[] = [];
    const back = readTflite(writeTflite(g), { onWarning: (m) => warnings.push(m) });
    expect(back.tensors[dw.inputs[2]!]!.quant!.axis).toBe(0);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/quantized_dimension 3/);
  });

  it("float and int8 DS-CNN models (and one with empty names) round trip write -> read -> write byte-identically", () => {
    const unnamed = int8DsCnn(6);
    for (const t of unnamed.tensors) t.name = "";
    for (const g of [floatDsCnn(5), int8DsCnn(5), unnamed]) {
      const a = writeTflite(g);
      const back = readTflite(a);
      expect(back).toEqual(g);
      expect(writeTflite(back)).toEqual(a);
    }
  });

  it("shape-inconsistent graph: EdgeqError shape/conv_2d by default, returned as is with check=false", () => {
    const g = int8DsCnn(2);
    g.tensors.find((t) => t.name === "c1")!.shape = [1, 11, 12, 8];
    const bytes = writeTflite(g);
    const e = edgeqError(() => readTflite(bytes));
    expect(e.code).toBe("shape/conv_2d");
    expect(e.message).toMatch(/op 2 CONV_2D: output must have shape \[1,12,12,8\], got \[1,11,12,8\]/);
    expect(readTflite(bytes, { check: false }).tensors.find((t) => t.name === "c1")!.shape).toEqual([
      1, 11, 12, 8,
    ]);
  });

  it("bytes given as an unaligned view (byteOffset 3 into a larger buffer) read the same", () => {
    const bytes = refBytes("test_conv_model");
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 3);
    expect(readTflite(big.subarray(3, 3 + bytes.length))).toEqual(readTflite(bytes));
  });

  it("truncated file (7 bytes) -> EdgeqError tflite/truncated", () => {
    const e = edgeqError(() =>
      readTflite(refBytes("hello_world_int8").subarray(0, 7), { source: "x.tflite" }),
    );
    expect(e.code).toBe("tflite/truncated");
    expect(e.message).toMatch(/x\.tflite/);
  });

  it("wrong file identifier -> EdgeqError tflite/identifier", () => {
    const b = refBytes("hello_world_int8").slice();
    b[4] = 0x58;
    expect(edgeqError(() => readTflite(b)).code).toBe("tflite/identifier");
  });

  it("file cut in half -> EdgeqError naming a byte offset", () => {
    const b = refBytes("test_conv_model");
    const e = edgeqError(() => readTflite(b.subarray(0, b.length >> 1)));
    expect(e.where).toMatch(/byte \d+/);
  });

  it("unsupported builtin op (LSTM = 16) -> EdgeqError naming the op and the supported list", () => {
    const b = new Builder(256);
    b.startObject(4);
    b.addFieldInt8(OPERATOR_CODE.deprecated_builtin_code, 16, 0);
    b.addFieldInt32(OPERATOR_CODE.builtin_code, 16, 0);
    const code = b.endObject();
    b.startObject(5);
    const op = b.endObject();
    const ops = vec(b, [op]);
    b.startObject(5);
    b.addFieldOffset(3, ops, 0);
    const sg = b.endObject();
    const sgs = vec(b, [sg]);
    const codes = vec(b, [code]);
    b.startObject(7);
    b.addFieldInt32(MODEL.version, 3, 0);
    b.addFieldOffset(MODEL.operator_codes, codes, 0);
    b.addFieldOffset(MODEL.subgraphs, sgs, 0);
    b.finish(b.endObject(), "TFL3");
    const e = edgeqError(() => readTflite(b.asUint8Array(), { source: "lstm.tflite" }));
    expect(e.code).toBe("tflite/unsupported-op");
    expect(e.message).toMatch(/builtin op code 16/);
    expect(e.message).toMatch(/supported: CONV_2D, DEPTHWISE_CONV_2D/);
  });
});

describe("readTflite unsupported features", () => {
  it("sparse tensor (Tensor.sparsity set) -> EdgeqError tflite/unsupported-sparse", () => {
    const b = new Builder(256);
    b.startObject(3);
    const sparsity = b.endObject();
    b.startObject(8);
    b.addFieldOffset(TENSOR.sparsity, sparsity, 0);
    const tensor = b.endObject();
    const tensors = vec(b, [tensor]);
    const bytes = finishModel(b, tensors);
    const e = edgeqError(() => readTflite(bytes, { source: "sparse.tflite" }));
    expect(e.code).toBe("tflite/unsupported-sparse");
    expect(e.message).toMatch(/sparse\.tflite: tensor 0 is stored sparse/);
  });
});

describe("readTflite allocation bound", () => {
  it("20000 tensors all pointing at one tensor with a 20000-dim shape -> tflite/too-large, fast", () => {
    // ~160 KB file that would decode to 400M shape entries if the reader trusted it
    const b = new Builder(1 << 18);
    b.startVector(4, 20000, 4);
    for (let i = 0; i < 20000; i++) b.addInt32(1);
    const shape = b.endVector();
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    const tensor = b.endObject();
    b.startVector(4, 20000, 4);
    for (let i = 0; i < 20000; i++) b.addOffset(tensor);
    const tensors = b.endVector();
    const bytes = finishModel(b, tensors);
    expect(bytes.length).toBeLessThan(200_000);
    const t0 = performance.now();
    const e = edgeqError(() => readTflite(bytes));
    expect(e.code).toBe("tflite/too-large");
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

/** Finishes a version-3 model: one subgraph holding `tensors`, one empty buffer. */
function finishModel(b: Builder, tensors: number): Uint8Array {
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  const sg = vec(b, [b.endObject()]);
  b.startObject(1);
  const buffers = vec(b, [b.endObject()]);
  b.startObject(7);
  b.addFieldInt32(MODEL.version, 3, 0);
  b.addFieldOffset(MODEL.subgraphs, sg, 0);
  b.addFieldOffset(MODEL.buffers, buffers, 0);
  b.finish(b.endObject(), "TFL3");
  return b.asUint8Array();
}

function vec(b: Builder, xs: number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!);
  return b.endVector();
}
