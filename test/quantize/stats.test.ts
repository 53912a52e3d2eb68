import { describe, expect, it } from "vitest";
import { matchTensors, quantizeWithReport, weightStats } from "../../toolchain/quantize/index.js";
import { pixelInputs, smallDsCnn } from "./helpers.js";

describe("report helpers: tensor matching and weight stats", async () => {
  const f = await smallDsCnn(17);
  const calib = pixelInputs([12, 12, 1], 16, 8);

  it("matchTensors maps every int8 tensor to the float tensor of the same name (int8 io and float io)", () => {
    for (const floatIo of [false, true]) {
      const { graph: q } = quantizeWithReport(f, calib, { floatIo });
      const m = matchTensors(f, q);
      q.tensors.forEach((t, i) => {
        const j = m[i];
        expect(j, t.name).toBeDefined();
        expect(f.tensors[j!]!.name).toBe(t.name.replace(/\/f$/, ""));
        expect(f.tensors[j!]!.shape).toEqual(t.shape);
      });
    }
  });

  it("weightStats: per-channel layers have one scale per channel, RMS error <= scale/2, grid use 1.0 at the max", () => {
    const { graph: q } = quantizeWithReport(f, calib);
    const s = weightStats(q, f);
    expect(s.map((l) => l.op)).toEqual([
      "CONV_2D",
      "DEPTHWISE_CONV_2D",
      "CONV_2D",
      "DEPTHWISE_CONV_2D",
      "CONV_2D",
      "FULLY_CONNECTED",
    ]);
    for (const l of s) {
      expect(l.scales).toBe(l.op === "FULLY_CONNECTED" ? 1 : l.channels);
      expect(Math.max(...l.gridUse)).toBe(1);
      const op = q.ops.find((o) => q.tensors[o.outputs[0]!]!.name === l.name)!;
      const wt = q.tensors[op.inputs[1]!]!;
      l.rmsError!.forEach((e, c) => {
        const sc = wt.quant!.scale[l.scales === 1 ? 0 : c]!;
        expect(e).toBeLessThanOrEqual((sc / 2) * 1.0001);
      });
    }
    const pt = weightStats(quantizeWithReport(f, calib, { perTensor: true }).graph, f);
    const dwPc = s.find((l) => l.op === "DEPTHWISE_CONV_2D")!;
    const dwPt = pt.find((l) => l.op === "DEPTHWISE_CONV_2D")!;
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    expect(mean(dwPt.gridUse)).toBeLessThan(mean(dwPc.gridUse));
  });
});
