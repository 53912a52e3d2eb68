/**
 * The eight models of ../shared/reference-models/converter (TensorFlow 2.21's converter: SHAPE,
 * STRIDED_SLICE, PACK, TRANSPOSE, HARD_SWISH, LOGISTIC, TANH, MEAN in several axis cases):
 * read (with checkGraph) -> write -> read gives the same IR and a byte-identical second
 * write; the file edgeq writes computes what the converter's file computes in native
 * TFLite 2.9 (same outputs on the models' eight published inputs).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refDir } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";

const CONVERTER_MODELS = [
  "seed_cifar_sepconv",
  "seed_mobile_block",
  "gap_wide",
  "gap_dense",
  "inverted_residual",
  "mobilenetv3_bits",
  "transpose_concat",
  "mean_axes",
] as const;

const dir = resolve(refDir, "converter");

/**
 * toEqual on graphs, with constant data compared as bytes (vitest's element-wise compare of
 * a 256 KB weight array takes seconds).
 */
function expectSameGraph(a: Graph, b: Graph): void {
  const strip = (g: Graph) => ({
    ...g,
    tensors: g.tensors.map((t) => ({ ...t, data: t.data ? t.data.constructor.name : undefined })),
  });
  expect(strip(a)).toEqual(strip(b));
  a.tensors.forEach((t, i) => {
    const u = b.tensors[i]!.data;
    if (!t.data || !u) return;
    const x = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const y = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    expect([i, x.equals(y)]).toEqual([i, true]);
  });
}
const bytesOf = (name: string) => new Uint8Array(readFileSync(resolve(dir, name)));

describe("converter models: read -> write -> read", () => {
  for (const name of CONVERTER_MODELS) {
    it(`${name}: same IR after a write and a read; the second write is byte-identical`, () => {
      const g = readTflite(bytesOf(`${name}.tflite`), { source: name });
      const bytes = writeTflite(g);
      const back = readTflite(bytes, { source: `${name} (rewritten)` });
      expectSameGraph(back, g);
      expect(Buffer.from(writeTflite(back)).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});

describe("converter models rewritten by edgeq compute the same in native TFLite 2.9", () => {
  for (const name of CONVERTER_MODELS) {
    it(`${name}: 8 published inputs, outputs of the rewritten file = outputs of the converter's file`, () => {
      const original = bytesOf(`${name}.tflite`);
      const g = readTflite(original, { source: name });
      const a = loadNative(original);
      const b = loadNative(writeTflite(g));
      const raw = new Int8Array(bytesOf(`${name}_inputs.raw`).buffer.slice(0));
      const n = g.tensors[g.inputs[0]!]!.shape.reduce((x, d) => x * d, 1);
      expect(raw.length).toBe(8 * n);
      for (let k = 0; k < 8; k++) {
        const x = raw.subarray(k * n, (k + 1) * n);
        expect(b.run([x])).toEqual(a.run([x]));
      }
    });
  }
});
