/**
 * End to end on real int8 models: a hand-built CNN quantized by edgeq's quantizer, written
 * as .tflite, read back, and run by edgeq's integer runtime (runtime-int8) next to the float
 * executor. The depthwise layer's channel 0 has 1000x the range of the others.
 */
import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { argmax } from "../../toolchain/report/classify.js";
import { collect } from "../../toolchain/report/collect.js";
import { findJump, JUMP_MIN_DB } from "../../toolchain/report/drift.js";
import { floatEngine } from "../../toolchain/report/engines.js";
import { jumpCauses, weightFindings } from "../../toolchain/report/findings.js";
import { importRuntime, wrapRuntime } from "../../toolchain/report/runtime.js";
import type { ReportData } from "../../toolchain/report/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { inputs, smallCnn } from "./fixtures.js";

const mean = (v: number[]): string => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1);

async function report(collapse: number, perTensor: boolean): Promise<ReportData> {
  const load = await importRuntime();
  if (!load) throw new Error("runtime-int8/src/index.ts did not load");
  const fg = smallCnn({ collapse });
  const bytes = writeTflite(quantize(fg, inputs(32), { perTensor }));
  const qg = readTflite(bytes);
  const xs = inputs(48, 9);
  const y = Int32Array.from(xs.map((x) => argmax(runFloat(fg, [x]).outputs[0]!)));
  return collect(floatEngine(fg), wrapRuntime(load(bytes), qg), { x: xs, y, labels: ["a", "b", "c"] });
}

describe("where drift jumps, on runtime-int8", () => {
  it("per-tensor weights, depthwise channel 0 range x1000: the depthwise layer is flagged", async () => {
    const r = await report(1000, true);
    expect(r.jump?.name).toBe("dw/relu6");
    const row = r.layers.find((l) => l.jump)!;
    expect(row.op).toBe("DEPTHWISE_CONV_2D");
    expect(row.drop_db!).toBeGreaterThan(JUMP_MIN_DB);
    // the conv before it is clean, the depthwise layer's worst channel is mostly noise
    expect(r.layers.find((l) => l.name === "conv1/relu6")!.sqnr_db).toBeGreaterThan(35);
    // its collapsed channels carry no signal beyond their mean (bias correction restores the mean)
    expect(row.channel_sqnr_min_db!).toBeLessThan(3);
    const dw = r.weights.find((w) => w.name === "dw/weights")!;
    expect(dw.modelPerChannel).toBe(false);
    expect(dw.flagged.collapsed).toBe(3);
    expect(dw.channels.filter((c) => c.flags.includes("collapsed")).map((c) => c.channel)).toEqual([1, 2, 3]);
    expect(weightFindings(r)).toContain(
      `dw/weights: this model quantizes it per-tensor and 3 of 4 channels get fewer than 8 int8 steps (mean channel weight SQNR ${mean(dw.channels.map((c) => c.ptSqnrDb))} dB; per-channel would give ${mean(dw.channels.map((c) => c.pcSqnrDb))} dB).`,
    );
    const causes = jumpCauses(r);
    expect(causes[0]).toBe(
      "its weights dw/weights are quantized per-tensor and 3 of 4 channels collapse to fewer than 8 int8 steps: quantize them per-channel",
    );
    expect(causes.some((c) => c.startsWith("some output channels are mostly noise"))).toBe(true);
    // the collapsed channels' own error: per-tensor rounds all their weights to 0
    for (const c of dw.channels.slice(1)) {
      expect(c.ptSqnrDb).toBeLessThan(1);
      expect(c.pcSqnrDb).toBeGreaterThan(35);
    }
  });

  it("per-channel weights, same model: the depthwise layer is not flagged, drops < 10 dB and stays above 25 dB", async () => {
    const r = await report(1000, false);
    expect(r.jump?.name).not.toBe("dw/relu6");
    const dwRow = r.layers.find((l) => l.name === "dw/relu6")!;
    expect(dwRow.jump).toBe(false);
    expect(dwRow.drop_db!).toBeLessThan(JUMP_MIN_DB);
    expect(dwRow.sqnr_db).toBeGreaterThan(25);
    expect(dwRow.channel_sqnr_min_db!).toBeGreaterThan(20);
    const dw = r.weights.find((w) => w.name === "dw/weights")!;
    expect(dw.modelPerChannel).toBe(true);
    expect(dw.modelSqnrDb!).toBeCloseTo(dw.pcSqnrDb, 0);
    expect(weightFindings(r)).toEqual([
      "dw/weights: 3 of 4 channels would collapse under per-tensor quantization; per-channel scales keep them.",
    ]);
    expect(r.float.top1).toBe(1);
    expect(r.agreement!).toBeGreaterThan(0.9);
  });

  it("collapse x1000: the per-tensor model's output SQNR is at least 6 dB below the per-channel model's", async () => {
    const pt = await report(1000, true);
    const pc = await report(1000, false);
    expect(pc.output.metrics.sqnr_db - pt.output.metrics.sqnr_db).toBeGreaterThan(6);
  });

  it("every int8 op is matched to a float tensor by name; saturation and RMSE/scale are reported", async () => {
    const r = await report(1, false);
    const ops = r.layers.filter((l) => l.index >= 0);
    expect(ops.map((l) => l.matched_by)).toEqual(ops.map(() => "name"));
    for (const l of ops) {
      expect(l.compared).toBe(true);
      expect(l.saturated).not.toBeNull();
      expect(l.rmse_over_scale!).toBeGreaterThan(0);
    }
    // a clean conv output carries about rounding noise only: RMSE/scale near 1/sqrt(12)
    expect(r.layers.find((l) => l.name === "conv1/relu6")!.rmse_over_scale!).toBeLessThan(1);
  });
});

describe("jump rule on a 4-op chain", () => {
  const chain: Graph = {
    tensors: [0, 1, 2, 3, 4].map((i) => ({ name: `t${i}`, shape: [1, 4], dtype: "int8" as const })),
    inputs: [0],
    outputs: [4],
    ops: [0, 1, 2, 3].map((i) => ({ type: "RELU" as const, inputs: [i], outputs: [i + 1], options: {} })),
  };
  it("sqnr [inf, 38, 36, 15, 12]: drops [_, 2, 2, 21, 3], jump at op 2", () => {
    const { drops, jump } = findJump(chain, [
      { index: -1, sqnr: Number.POSITIVE_INFINITY },
      { index: 0, sqnr: 38 },
      { index: 1, sqnr: 36 },
      { index: 2, sqnr: 15 },
      { index: 3, sqnr: 12 },
    ]);
    expect(drops.map((d) => (d === null ? null : Math.round(d)))).toEqual([null, 2, 2, 21, 3]);
    expect(jump).toBe(3);
  });
  it("sqnr [40, 34, 28, 22, 16] (6 dB a layer): gradual, no jump", () => {
    const { jump } = findJump(
      chain,
      [40, 34, 28, 22, 16].map((s, i) => ({ index: i - 1, sqnr: s })),
    );
    expect(jump).toBe(-1);
  });
  it("sqnr [40, 25, 24, 2, 1]: first of two big drops (15 >= max(10, 11)) wins over the larger one", () => {
    const { jump } = findJump(
      chain,
      [40, 25, 24, 2, 1].map((s, i) => ({ index: i - 1, sqnr: s })),
    );
    expect(jump).toBe(1);
  });
  it("an unmatched layer (sqnr null) is skipped: the next layer's drop is measured from the one before", () => {
    const { drops } = findJump(chain, [
      { index: -1, sqnr: 40 },
      { index: 0, sqnr: 30 },
      { index: 1, sqnr: null },
      { index: 2, sqnr: 10 },
    ]);
    expect(drops).toEqual([null, 10, null, 20]);
  });
});
