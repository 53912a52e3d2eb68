/**
 * `edgeq run` (toolchain/commands/run.ts) and the runtime's handling of bad files: truncated
 * and byte-corrupted models fail with an Error (never a crash or hang).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import { runModelFiles } from "../../toolchain/commands/run.js";
import { EdgeqError } from "../../toolchain/errors.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refDir, repoRoot } from "../helpers/refmodels.js";
import { prng } from "./gen.js";

const R = (f: string) => resolve(refDir, f);

describe("edgeq run", () => {
  it("micro_speech_quantized --input yes_micro_features_int8.raw gives the README output", () => {
    const r = runModelFiles(R("micro_speech_quantized.tflite"), [R("yes_micro_features_int8.raw")]);
    expect(r.outputs[0]).toEqual({ dtype: "int8", shape: [1, 4], values: [-128, -128, 127, -128] });
    expect(r.arenaBytes).toBeGreaterThan(0);
  });

  it("bin/edgeq.js run test_conv_model --input test_conv_random_f32.raw --json prints {outputs:[[10 floats]]}", () => {
    const out = execFileSync(
      process.execPath,
      [
        resolve(repoRoot, "bin/edgeq.js"),
        "run",
        R("test_conv_model.tflite"),
        "--input",
        R("test_conv_random_f32.raw"),
        "--json",
      ],
      { encoding: "utf8" },
    );
    const j = JSON.parse(out) as { outputs: number[][] };
    expect(j.outputs).toHaveLength(1);
    expect(j.outputs[0]).toHaveLength(10);
    expect(j.outputs[0]![0]).toBe(Math.fround(-0.2286050021648407));
  });

  it("errors name the file: missing model, wrong input size, wrong input count, not a model", () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(EdgeqError);
        return (e as Error).message;
      }
      throw new Error("expected an EdgeqError");
    };
    expect(msg(() => runModelFiles("/no/such/model.tflite", []))).toMatch(/\/no\/such\/model\.tflite/);
    expect(msg(() => runModelFiles(R("micro_speech_quantized.tflite"), [R("hello_in_0.raw")]))).toMatch(
      /hello_in_0\.raw has 1 bytes but input 0 .* 1960 bytes/,
    );
    expect(msg(() => runModelFiles(R("micro_speech_quantized.tflite"), []))).toMatch(
      /has 1 input\(s\) but 0 --input/,
    );
    expect(msg(() => runModelFiles(R("yes_micro_features_int8.raw"), []))).toMatch(
      /yes_micro_features_int8\.raw: not a TFLite model/,
    );
  });
});

describe("runtime on bad files", () => {
  it("SOFTMAX with input scale 1e-10 (below 2^-26, outside the reference kernel) is rejected with a clear error", () => {
    const g: Graph = {
      tensors: [
        { name: "x", shape: [1, 4], dtype: "int8", quant: { scale: [1e-10], zeroPoint: [0], axis: 0 } },
        { name: "y", shape: [1, 4], dtype: "int8", quant: { scale: [1 / 256], zeroPoint: [-128], axis: 0 } },
      ],
      ops: [{ type: "SOFTMAX", inputs: [0], outputs: [1], options: { beta: 1 } }],
      inputs: [0],
      outputs: [1],
    };
    expect(() => load(writeTflite(g))).toThrow(/edgeqrt: op 0 SOFTMAX: beta \* input scale < 2\^-26/);
  });

  const good = new Uint8Array(readFileSync(R("micro_speech_quantized.tflite")));
  const input = new Int8Array(readFileSync(R("yes_micro_features_int8.raw")).buffer.slice(0));

  it("every truncation of micro_speech (every 97th length) fails with an edgeqrt Error", () => {
    for (let n = 0; n < good.length; n += 97) {
      expect(() => load(good.slice(0, n)), `length ${n}`).toThrow(/edgeqrt: /);
    }
  });

  it("300 random corruptions of 1..8 bytes each: load+invoke either run or throw an Error, within 2 s in total", () => {
    const r = prng(99);
    const t0 = Date.now();
    let threw = 0;
    for (let k = 0; k < 300; k++) {
      const b = good.slice();
      const n = 1 + Math.floor(r() * 8);
      for (let i = 0; i < n; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        const m = load(b);
        m.input(0).set(input);
        m.invoke();
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
