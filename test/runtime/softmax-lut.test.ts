/**
 * Native TFLite 2.9's int8 SOFTMAX is a float32 table kernel; softmax-lut.ts emulates it so the
 * parity check can recognise the rare values where it rounds one step from the reference kernel.
 * Here the emulation is checked against native itself, and the parity check on a real-data row
 * (from the sample DS-CNN) where the two kernels differ.
 */
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import { checkCase, newTally } from "./parity.js";
import { nativeSoftmaxValue } from "./softmax-lut.js";

function softmaxGraph(rows: number, depth: number, scale: number, zp: number, beta = 1): Graph {
  return {
    tensors: [
      { name: "x", shape: [rows, depth], dtype: "int8", quant: { scale: [scale], zeroPoint: [zp], axis: 0 } },
      {
        name: "y",
        shape: [rows, depth],
        dtype: "int8",
        quant: { scale: [1 / 256], zeroPoint: [-128], axis: 0 },
      },
    ],
    ops: [{ type: "SOFTMAX", inputs: [0], outputs: [1], options: { beta } }],
    inputs: [0],
    outputs: [1],
  };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("native SOFTMAX float32 table emulation", () => {
  for (const [depth, scale, beta] of [
    [10, 0.068272336324056, 1],
    [4, 0.25, 1],
    [32, 0.0123, 0.5],
  ] as const) {
    it(`matches native on 400 random rows depth=${depth} scale=${scale} beta=${beta}`, () => {
      const rows = 400;
      const g = softmaxGraph(rows, depth, scale, -22, beta);
      const r = lcg(depth * 7919);
      const x = Int8Array.from({ length: rows * depth }, () => Math.floor(r() * 256) - 128);
      const native = loadNative(writeTflite(g)).run([x])[0]!;
      for (let e = 0; e < x.length; e++)
        expect(nativeSoftmaxValue(x, depth, e, scale, beta, 1 / 256, -128), `element ${e}`).toBe(native[e]);
    });
  }

  it("parity check recognises the one-step difference on a real row (depth=10 scale=0.0683 zp=-22)", () => {
    const x = Int8Array.from([-51, -67, 8, -50, 58, -85, 22, -96, -79, -65]);
    const tally = newTally();
    checkCase(
      { name: "softmax real row", graph: softmaxGraph(1, 10, 0.068272336324056, -22), inputs: [x] },
      tally,
    );
    expect(tally.softmaxLut).toBe(1);
    expect(tally.values).toBe(10);
  });
});
