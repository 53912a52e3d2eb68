import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { equalize } from "../../toolchain/quantize/equalize.js";
import { quantize, quantizeWithReport } from "../../toolchain/quantize/index.js";
import { cloneGraph } from "../../toolchain/quantize/rewrite.js";
import { maxAbsDiff } from "../import/tfjs-models.js";
import { depthwiseHeavy, pixelInputs, relativeDrift } from "./helpers.js";

describe("per-tensor vs per-channel vs per-tensor + cross-layer equalisation", async () => {
  const f = await depthwiseHeavy(22, 2.5);
  const calib = pixelInputs([10, 10, 4], 48, 3);
  const test = pixelInputs([10, 10, 4], 40, 4);

  it("equalize keeps the float function (max |diff| < 1e-4 relative) and narrows the depthwise channel spread", () => {
    const g = cloneGraph(f);
    const pairs = equalize(g);
    expect(pairs.length).toBe(4);
    const dw = pairs.find((p) => p.first.startsWith("depthwise"))!;
    expect(dw.spreadBefore).toBeGreaterThan(100);
    expect(dw.spreadAfter).toBeLessThan(dw.spreadBefore / 10);
    for (const x of test.slice(0, 5)) {
      const a = runFloat(f, [x]).outputs[0]!;
      const b = runFloat(g, [x]).outputs[0]!;
      expect(maxAbsDiff(a, b) / Math.max(...Array.from(a, Math.abs))).toBeLessThan(1e-4);
    }
  });

  it("dw channel ranges over 2.5 decades (seed 22), no bias correction: drift per-tensor >> per-channel, per-tensor + equalize recovers >= 70% of the gap", () => {
    // Bias correction off: it also repairs much of per-tensor's damage and would blur the comparison.
    const biasCorrection = false;
    const pc = relativeDrift(f, quantize(f, calib, { biasCorrection }), test);
    const pt = relativeDrift(f, quantize(f, calib, { perTensor: true, biasCorrection }), test);
    const eq = relativeDrift(
      f,
      quantize(f, calib, { perTensor: true, equalize: true, biasCorrection }),
      test,
    );
    console.log(
      `relative output drift: per-channel ${pc.toFixed(4)}, per-tensor ${pt.toFixed(4)}, per-tensor+equalize ${eq.toFixed(4)}`,
    );
    expect(pt).toBeGreaterThan(3 * pc);
    expect(eq).toBeLessThan(pc + 0.3 * (pt - pc));
  });

  it("report lists the equalised pairs and per-tensor layers have one weight scale", () => {
    const { graph, report } = quantizeWithReport(f, calib, { perTensor: true, equalize: true });
    expect(report.equalized.map((p) => `${p.first}->${p.second}`).length).toBe(4);
    for (const l of report.layers) expect(l.perChannel).toBe(false);
    const dw = graph.ops.find((o) => o.type === "DEPTHWISE_CONV_2D")!;
    expect(graph.tensors[dw.inputs[1]!]!.quant!.scale.length).toBe(1);
  });
});
