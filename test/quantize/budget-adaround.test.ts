import { describe, expect, it } from "vitest";
import { adaround } from "../../toolchain/quantize/adaround.js";
import { quantizeWithRecipe } from "../../toolchain/quantize/apply.js";
import { quantizeWithReport } from "../../toolchain/quantize/index.js";
import { recipeOptions } from "../../toolchain/quantize/recipe.js";
import { optimizeFloat } from "../../toolchain/quantize/rewrite.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { pixelInputs, runBoth, smallDsCnn } from "./helpers.js";

describe("AdaRound (small DS-CNN 12x12x1, per-tensor weights)", () => {
  it("every weighted layer, 32 calibration inputs: lower layer output error than nearest, frozen weights on the int8 grid, bit-exact runtime vs native", async () => {
    const g = await smallDsCnn(5);
    const calib = pixelInputs([12, 12, 1], 32, 9);
    const { graph: f } = optimizeFloat(g);
    const names = f.ops
      .filter((o) => o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED")
      .map((o) => f.tensors[o.outputs[0]!]!.name);
    const ar = adaround(f, calib, names, { perChannel: () => false, iterations: 200 });
    expect(ar.layers.map((l) => l.name)).toEqual(names);
    for (const l of ar.layers) expect(l.errorAdaRound).toBeLessThanOrEqual(l.errorNearest);
    expect(ar.layers.some((l) => l.flipped > 0 && l.errorAdaRound < l.errorNearest * 0.95)).toBe(true);
    // the learnt rounding survives quantization: the int8 weights are the frozen ones
    const opts = { ...recipeOptions({ perTensor: true }), adaround: names };
    const { graph: q } = quantizeWithRecipe(g, calib, opts);
    const wq = q.ops.find((o) => q.tensors[o.outputs[0]!]!.name === names[1])!;
    const wf = ar.graph.ops.find((o) => ar.graph.tensors[o.outputs[0]!]!.name === names[1])!;
    const qt = q.tensors[wq.inputs[1]!]!;
    const ft = ar.graph.tensors[wf.inputs[1]!]!.data as Float32Array;
    const s = qt.quant!.scale[0]!;
    expect(Array.from(qt.data as Int8Array)).toEqual(Array.from(ft, (v) => Math.round(v / s)));
    // differs from nearest rounding, replays to the same bytes, and runs bit-exact
    const nearest = quantizeWithReport(g, calib, { perTensor: true }).graph;
    expect(Buffer.from(writeTflite(q)).equals(Buffer.from(writeTflite(nearest)))).toBe(false);
    expect(
      Buffer.from(writeTflite(quantizeWithRecipe(g, calib, opts).graph)).equals(Buffer.from(writeTflite(q))),
    ).toBe(true);
    const both = runBoth(q, pixelInputs([12, 12, 1], 8, 10));
    expect(both.edgeq.map((y) => Array.from(y))).toEqual(both.native.map((y) => Array.from(y)));
  });
});
