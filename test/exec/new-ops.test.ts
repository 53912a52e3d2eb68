/**
 * The float executor on the ops issue 13 added (one-op models of test/tflite/new-ops.ts),
 * against native TFLite 2.9 running the same file: float32 models agree to float rounding;
 * int8 models (run dequantized, each activation rounded to its grid) agree within one output
 * quantization step (ops that only move data: exactly).
 */
import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import { caseInputs, OP_CASES } from "../tflite/new-ops.js";

/** Ops whose int8 output is a copy of input values (same quantization in and out). */
const MOVES = new Set([
  "SHAPE",
  "STRIDED_SLICE",
  "PACK",
  "UNPACK",
  "SPLIT",
  "SQUEEZE",
  "EXPAND_DIMS",
  "TRANSPOSE",
  "PADV2",
  "RESIZE_NEAREST_NEIGHBOR",
  "MAXIMUM",
  "MINIMUM",
]);

/** Real values of a graph input: int8 inputs dequantized with their quantization. */
function realInputs(g: Graph, xs: (Int8Array | Float32Array)[]): Float32Array[] {
  return xs.map((x, k) => {
    const q = g.tensors[g.inputs[k]!]!.quant;
    if (!(x instanceof Int8Array) || !q) return Float32Array.from(x);
    return Float32Array.from(x, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
  });
}

describe("float executor vs native TFLite 2.9 on the new ops", () => {
  for (const c of OP_CASES) {
    it(`${c.name} dtype=float32: every output within 1e-5 (relative) of native`, () => {
      const g = c.build("float32");
      const xs = caseInputs(g, 11);
      const want = loadNative(writeTflite(g)).run(xs);
      const got = runFloat(g, realInputs(g, xs));
      got.outputs.forEach((y, k) => {
        const w = want[k]!;
        expect(y.length).toBe(w.length);
        for (let i = 0; i < y.length; i++) {
          expect(Math.abs(y[i]! - Number(w[i]))).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(Number(w[i]))));
        }
      });
    });

    const exact = MOVES.has(c.op);
    it(`${c.name} dtype=int8: outputs ${exact ? "equal native's" : "within 1 step of native's"}`, () => {
      const g = c.build("int8");
      const xs = caseInputs(g, 12);
      const want = loadNative(writeTflite(g)).run(xs);
      const got = runFloat(g, realInputs(g, xs));
      got.outputs.forEach((y, k) => {
        const t = g.tensors[g.outputs[k]!]!;
        const w = want[k]!;
        // output in steps of its grid (int32 SHAPE output: the values themselves)
        const steps = t.quant
          ? Array.from(y, (v) => Math.round(v / t.quant!.scale[0]!) + t.quant!.zeroPoint[0]!)
          : Array.from(y);
        const diff = steps.map((v, i) => Math.abs(v - Number(w[i])));
        expect(Math.max(...diff)).toBeLessThanOrEqual(exact ? 0 : 1);
      });
    });
  }
});
