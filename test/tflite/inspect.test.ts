import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type InspectReport, inspectModel, renderInspect } from "../../toolchain/tflite/inspect.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { int8DsCnn } from "../helpers/models.js";
import { refBytes, refDir, repoRoot } from "../helpers/refmodels.js";

function io(r: InspectReport, which: "inputs" | "outputs") {
  return r[which].map((i) => {
    const t = r.tensors[i]!;
    // the README prints scales with 8 significant digits
    const scale = t.quantization?.scale.map((x) => Number(x.toPrecision(8)));
    return { dtype: t.dtype, shape: t.shape, scale, zp: t.quantization?.zeroPoint };
  });
}

describe("inspect reports what the reference-models README lists", () => {
  it("hello_world_int8: 2704 bytes, 3x FULLY_CONNECTED per-tensor, int8 [1,1] in/out with README quant", () => {
    const r = inspectModel(refBytes("hello_world_int8"), "hello_world_int8.tflite");
    expect(r.totals.bytes).toBe(2704);
    expect(r.ops.map((o) => o.op)).toEqual(["FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED"]);
    for (const o of r.ops) expect(r.tensors[o.inputs[1]!]!.quantization?.perChannel).toBe(false);
    expect(io(r, "inputs")).toEqual([{ dtype: "int8", shape: [1, 1], scale: [0.024480116], zp: [-128] }]);
    expect(io(r, "outputs")).toEqual([{ dtype: "int8", shape: [1, 1], scale: [0.0082909567], zp: [5] }]);
    // 1x16 + 16x16 + 16x1 weights + 16 + 16 + 1 biases
    expect(r.totals.params).toBe(16 + 256 + 16 + 33);
    expect(r.totals.macs).toBe(16 + 256 + 16);
  });

  it("hello_world_float: 3164 bytes, 3x FULLY_CONNECTED float32 [1,1] in/out, no quantization", () => {
    const r = inspectModel(refBytes("hello_world_float"));
    expect(r.totals.bytes).toBe(3164);
    expect(r.ops.map((o) => o.op)).toEqual(["FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED"]);
    expect(io(r, "inputs")).toEqual([{ dtype: "float32", shape: [1, 1], scale: undefined, zp: undefined }]);
    expect(io(r, "outputs")).toEqual([{ dtype: "float32", shape: [1, 1], scale: undefined, zp: undefined }]);
    expect(r.tensors.every((t) => t.quantization === null)).toBe(true);
  });

  it("micro_speech_quantized: RESHAPE, DEPTHWISE_CONV_2D per-channel (8 scales, axis 3), FULLY_CONNECTED, SOFTMAX", () => {
    const r = inspectModel(refBytes("micro_speech_quantized"));
    expect(r.totals.bytes).toBe(18800);
    expect(r.ops.map((o) => o.op)).toEqual(["RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"]);
    const q = r.tensors[r.ops[1]!.inputs[1]!]!.quantization!;
    expect([q.perChannel, q.scale.length, q.axis]).toEqual([true, 8, 3]);
    expect(io(r, "inputs")).toEqual([{ dtype: "int8", shape: [1, 1960], scale: [0.10171568], zp: [-128] }]);
    expect(io(r, "outputs")).toEqual([{ dtype: "int8", shape: [1, 4], scale: [0.00390625], zp: [-128] }]);
    // depthwise: 2*bs*ic*oh*ow*kh*kw*mult = 2*1*1*25*20*10*8*8 FLOPs
    expect(r.ops[1]!.flops).toBe(2 * 1 * 1 * 25 * 20 * 10 * 8 * 8);
    expect(r.ops[1]!.macs).toBe(25 * 20 * 10 * 8 * 8);
  });

  it("test_conv_model: QUANTIZE, 2x CONV_2D per-channel, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, DEQUANTIZE", () => {
    const r = inspectModel(refBytes("test_conv_model"));
    expect(r.totals.bytes).toBe(21344);
    expect(r.ops.map((o) => o.op)).toEqual([
      "QUANTIZE",
      "CONV_2D",
      "CONV_2D",
      "MAX_POOL_2D",
      "RESHAPE",
      "FULLY_CONNECTED",
      "DEQUANTIZE",
    ]);
    for (const k of [1, 2]) {
      const q = r.tensors[r.ops[k]!.inputs[1]!]!.quantization!;
      expect([q.perChannel, q.axis]).toEqual([true, 0]);
    }
    expect(io(r, "inputs")).toEqual([
      { dtype: "float32", shape: [1, 16, 16, 1], scale: undefined, zp: undefined },
    ]);
    expect(io(r, "outputs")).toEqual([{ dtype: "float32", shape: [1, 10], scale: undefined, zp: undefined }]);
    // conv 3x3 1->16 on 14x14 out, conv 3x3 16->32 on 12x12 out, fc 1152->10
    expect(r.ops[1]!.macs).toBe(14 * 14 * 16 * 9);
    expect(r.ops[2]!.macs).toBe(12 * 12 * 32 * 9 * 16);
    expect(r.totals.macs).toBe(14 * 14 * 16 * 9 + 12 * 12 * 32 * 9 * 16 + 1152 * 10);
    expect(r.totals.weightBytes + r.totals.structureBytes).toBe(21344);
  });

  it("int8 ds-cnn seed=1: separable blocks listed with the standard-conv cost; text report has the size split", () => {
    const r = inspectModel(writeTflite(int8DsCnn(1)), "ds.tflite");
    // ops: QUANTIZE, PAD, CONV_2D, DEPTHWISE_CONV_2D, CONV_2D 1x1, DEPTHWISE_CONV_2D, CONV_2D 1x1, ...
    expect(r.separable.map((s) => [s.depthwise, s.pointwise])).toEqual([
      [3, 4],
      [5, 6],
    ]);
    const s = r.separable[1]!;
    // dw 3x3 8ch on 6x6 + pw 8->8 vs standard 3x3 8->8 on 6x6
    expect(s.macs).toBe(6 * 6 * 8 * 9 + 6 * 6 * 8 * 8);
    expect(s.standardMacs).toBe(6 * 6 * 8 * 9 * 8);
    const text = renderInspect(r);
    expect(text).toMatch(/size: [\d,]+ bytes = [\d,]+ weights \+ [\d,]+ structure/);
    expect(text).toMatch(/per-channel axis 3: 16 scales/);
    expect(text).toMatch(/DEPTHWISE_CONV_2D +3x3\/2 SAME x2 RELU +int8\[1,12,12,8\]/);
    expect(text).toMatch(/DEPTHWISE_CONV_2D +3x3\/1 d2,2 SAME RELU6/);
    expect(text).toMatch(/MAX_POOL_2D +2x2\/2 VALID/);
  });
});

describe("edgeq inspect CLI", () => {
  const bin = resolve(repoRoot, "bin/edgeq.js");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "inspect", ...args], { encoding: "utf8" });

  it("--json on micro_speech_quantized prints the documented JSON shape", () => {
    const p = run(join(refDir, "micro_speech_quantized.tflite"), "--json");
    expect(p.stderr).toBe("");
    expect(p.status).toBe(0);
    const j = JSON.parse(p.stdout) as InspectReport;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["inputs", "outputs", "ops", "tensors", "totals"]));
    expect(j.ops[1]).toMatchObject({
      op: "DEPTHWISE_CONV_2D",
      inputs: [4, 8, 0],
      outputs: [2],
      macs: 320000,
    });
    expect(j.tensors[8]).toMatchObject({ name: "first_weights/read", shape: [1, 10, 8, 8], dtype: "int8" });
    expect(j.tensors[8]!.quantization).toMatchObject({ axis: 3, zeroPoint: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(j.totals).toMatchObject({ macs: 336000, params: 16652, bytes: 18800 });
  });

  it("missing file and damaged file: one 'edgeq:' line on stderr, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-inspect-"));
    const bad = join(dir, "cut.tflite");
    writeFileSync(bad, refBytes("test_conv_model").subarray(0, 5000));
    for (const [file, pattern] of [
      [join(dir, "missing.tflite"), /missing\.tflite/],
      [bad, /cut\.tflite/],
    ] as const) {
      const p = run(file);
      expect(p.status).toBe(2);
      expect(p.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(p.stderr).toMatch(/^edgeq: /);
      expect(p.stderr).toMatch(pattern);
      expect(p.stdout).toBe("");
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
