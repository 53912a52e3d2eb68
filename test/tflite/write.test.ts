import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { dsCnnInput, floatDsCnn, int8DsCnn } from "../helpers/models.js";
import { REF_CASES, REF_MODELS, refBytes } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";
import { loadWasm } from "../oracles/wasm.js";

describe("writeTflite from scratch -> native TFLite 2.9", () => {
  for (const [name, make] of [
    ["float32", floatDsCnn],
    ["int8", int8DsCnn],
  ] as const) {
    it(`ds-cnn dtype=${name} seed=1 loads and runs, output [1,10] sums to 1`, () => {
      const bytes = writeTflite(make(1));
      expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe("TFL3");
      const m = loadNative(bytes);
      expect(m.inputs[0]?.shape).toEqual([1, 12, 12, 2]);
      expect(m.outputs[0]?.shape).toEqual([1, 10]);
      const outs = new Set<string>();
      for (let s = 0; s < 4; s++) {
        const y = m.run([dsCnnInput(s)])[0] as Float32Array;
        expect(y.length).toBe(10);
        const sum = y.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(0.05);
        outs.add(Array.from(y).join(","));
      }
      // different inputs give different outputs: the graph is not degenerate
      expect(outs.size).toBeGreaterThan(1);
    });
  }
});

describe("writeTflite from scratch -> TFLite-WASM (XNNPACK)", () => {
  for (const [name, make] of [
    ["float32", floatDsCnn],
    ["int8", int8DsCnn],
  ] as const) {
    it(`ds-cnn dtype=${name} seed=2 loads and runs, agrees with native TFLite`, async () => {
      const bytes = writeTflite(make(2));
      const w = await loadWasm(bytes);
      const n = loadNative(bytes);
      try {
        expect(w.inputs[0]?.shape).toEqual([1, 12, 12, 2]);
        expect(w.outputs[0]?.shape).toEqual([1, 10]);
        for (let s = 0; s < 4; s++) {
          const x = dsCnnInput(100 + s);
          const a = w.run([x])[0] as Float32Array;
          const b = n.run([x])[0] as Float32Array;
          expect(a.length).toBe(10);
          // float: XNNPACK reorders sums; int8: XNNPACK may differ by one output step (1/256)
          const tol = name === "float32" ? 1e-4 : 1 / 256 + 1e-7;
          a.forEach((v, i) => {
            expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol);
          });
        }
      } finally {
        w.dispose();
      }
    });
  }
});

describe("writeTflite rejects IR it cannot write faithfully", () => {
  const cases: [string, (g: Graph) => void, RegExp][] = [
    [
      "int8 weights with 3 bytes too few",
      (g) => (g.tensors[4]!.data = new Int8Array(141)),
      /data has 141 bytes but shape \[8,3,3,2\] int8 needs 144/,
    ],
    ["7 scales, 8 zero points", (g) => g.tensors[4]!.quant!.scale.pop(), /7 scales and 8 zero points/],
    ["negative dimension", (g) => (g.tensors[0]!.shape = [1, -1, 12, 2]), /not an int32 >= 0/],
    ["op input index 99", (g) => (g.ops[0]!.inputs = [99]), /tensor index 99 out of range/],
    [
      "fused activation TANH",
      (g) => ((g.ops[2]!.options as { activation: string }).activation = "TANH"),
      /unsupported fused activation 'TANH'/,
    ],
  ];
  for (const [name, breakIt, msg] of cases) {
    it(`int8 ds-cnn with ${name} -> EdgeqError tflite/write`, () => {
      const g = int8DsCnn(1);
      breakIt(g);
      let err: unknown;
      try {
        writeTflite(g);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EdgeqError);
      expect((err as EdgeqError).code).toBe("tflite/write");
      expect((err as EdgeqError).message).toMatch(msg);
    });
  }
});

describe("reference models rewritten by edgeq run in TFLite-WASM", () => {
  for (const name of REF_MODELS) {
    for (const [k, c] of REF_CASES[name].entries()) {
      it(`${name} case ${k}: rewritten file gives the README output (int8 within 1 step: XNNPACK)`, async () => {
        const w = await loadWasm(writeTflite(readTflite(refBytes(name))));
        try {
          const y = Array.from(w.run([c.input()])[0]!);
          const int = c.output.every((v) => Number.isInteger(v));
          y.forEach((v, i) => {
            expect(Math.abs(v - c.output[i]!)).toBeLessThanOrEqual(int ? 1 : 1e-5);
          });
        } finally {
          w.dispose();
        }
      });
    }
  }
});
