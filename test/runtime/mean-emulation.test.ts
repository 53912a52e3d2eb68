/**
 * The two MEAN emulations of mean-emulation.ts (which the parity tests use to name each value where
 * the runtime, following TFLite Micro, and native TFLite 2.9 differ) against their oracles:
 * meanMicro against every MEAN output of the converter models' expected.json (TFLite 2.21's
 * reference kernels, which compute MEAN as TFLite Micro does), meanTflite29 against native
 * TFLite 2.9 on random shapes, axes (negative ones too), keep_dims and quantizations.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as flatbuffers from "flatbuffers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { Model } from "../../toolchain/tflite/generated/tflite/model.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refDir } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";
import { prng } from "./gen.js";
import { type MeanCase, meanMicro, meanTflite29 } from "./mean-emulation.js";

const DIR = resolve(refDir, "converter");
const MEAN = 40;

describe("MEAN emulations vs their oracles", () => {
  it("meanMicro equals every MEAN output (inputs 0 and 1) of the 8 converter models' expected.json", () => {
    const E = JSON.parse(readFileSync(resolve(DIR, "expected.json"), "utf8")) as {
      models: Record<string, { file: string; cases: Record<string, number[]>[] }>;
    };
    let values = 0;
    let ops = 0;
    for (const entry of Object.values(E.models)) {
      const u8 = new Uint8Array(readFileSync(resolve(DIR, entry.file)));
      const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(u8));
      const sg = model.subgraphs(0)!;
      for (let k = 0; k < sg.operatorsLength(); k++) {
        const op = sg.operators(k)!;
        const code = model.operatorCodes(op.opcodeIndex())!;
        if (Math.max(code.deprecatedBuiltinCode(), code.builtinCode()) !== MEAN) continue;
        ops++;
        const X = sg.tensors(op.inputs(0)!)!;
        const A = sg.tensors(op.inputs(1)!)!;
        const Y = sg.tensors(op.outputs(0)!)!;
        const axes = Array.from(new Int32Array(model.buffers(A.buffer())!.dataArray()!.slice().buffer));
        for (const want of entry.cases.slice(0, 2)) {
          const c: MeanCase = {
            x: want[op.inputs(0)!] as number[],
            shape: Array.from(X.shapeArray()!),
            axes,
            keepDims: Y.shapeLength() === X.shapeLength(),
            inScale: X.quantization()!.scale(0)!,
            inZp: Number(X.quantization()!.zeroPoint(0)),
            outScale: Y.quantization()!.scale(0)!,
            outZp: Number(Y.quantization()!.zeroPoint(0)),
          };
          const y = want[op.outputs(0)!] as number[];
          expect(meanMicro(c)).toEqual(y);
          values += y.length;
        }
      }
    }
    expect(ops).toBe(8);
    expect(values).toBe(444);
  });

  it("meanTflite29 equals native TFLite 2.9 on 150 random MEAN ops (all three of 2.9's paths)", () => {
    const f = Math.fround;
    let values = 0;
    let microDiffers = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const r = prng(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      const shape = [int(1, 2), int(1, 9), int(1, 9), int(1, 6)];
      const choices = [[1, 2], [2, 1], [1], [2], [3], [1, 3], [2, 3], [1, 2, 3], [0], [-1], [-3, -2]];
      const axes = choices[int(0, choices.length - 1)] as number[];
      const keepDims = r() < 0.5;
      const inScale = f(10 ** (-3 + 3 * r()));
      const inZp = int(-128, 127);
      const same = r() < 0.3;
      const outScale = same ? inScale : f(inScale * (0.3 + 2 * r()));
      const outZp = same ? inZp : int(-128, 127);
      const resolved = axes.map((a) => (a < 0 ? a + 4 : a));
      const oshape = shape
        .map((d, i) => (resolved.includes(i) ? 1 : d))
        .filter((_, i) => keepDims || !resolved.includes(i));
      const g: Graph = {
        tensors: [
          { name: "x", shape, dtype: "int8", quant: { scale: [inScale], zeroPoint: [inZp], axis: 0 } },
          { name: "axes", shape: [axes.length], dtype: "int32", data: new Int32Array(axes) },
          {
            name: "y",
            shape: oshape,
            dtype: "int8",
            quant: { scale: [outScale], zeroPoint: [outZp], axis: 0 },
          },
        ],
        ops: [{ type: "MEAN", inputs: [0, 1], outputs: [2], options: { keepDims } }],
        inputs: [0],
        outputs: [2],
      };
      const n = shape.reduce((a, b) => a * b, 1);
      const x = new Int8Array(n);
      for (let i = 0; i < n; i++) x[i] = int(-128, 127);
      const native = Array.from(loadNative(writeTflite(g)).run([x])[0]!);
      const c: MeanCase = { x, shape, axes, keepDims, inScale, inZp, outScale, outZp };
      expect(meanTflite29(c), `seed ${seed}: shape ${shape} axes ${axes} keepDims ${keepDims}`).toEqual(
        native,
      );
      values += native.length;
      microDiffers += meanMicro(c).filter((v, i) => v !== native[i]).length;
    }
    process.stdout.write(
      `MEAN: ${values} random values, meanTflite29 = native 2.9 on all; TFLite Micro's MEAN differs from 2.9 on ${microDiffers}\n`,
    );
    // (the two kernels really do differ: the parity tests have something to name)
    expect(microDiffers).toBeGreaterThan(0);
  });
});
