import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { budgetError, meets, quantizeToBudget } from "../../toolchain/quantize/budget.js";
import { quantize, quantizeWithReport } from "../../toolchain/quantize/index.js";
import {
  RECIPE_FORMAT,
  RECIPE_VERSION,
  readRecipe,
  toQuantizeOptions,
  writeRecipe,
} from "../../toolchain/quantize/recipe.js";
import { floatReference, layerSensitivity } from "../../toolchain/quantize/sensitivity.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { pixelInputs, smallDsCnn } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "edgeq-budget-"));

/** Multiplies one weight of the named layer by k (an outlier that ruins per-tensor scales). */
function withOutlier(g: Graph, layer: string, k: number): Graph {
  const o = g.ops.find((x) => g.tensors[x.outputs[0]!]!.name === layer)!;
  const wi = o.inputs[1]!;
  const w = Float32Array.from(g.tensors[wi]!.data as Float32Array);
  w[0] = w[0]! * k;
  const tensors = g.tensors.map((t, i) => (i === wi ? { ...t, data: w } : t));
  return { ...g, tensors };
}

describe("quantize to a budget (small DS-CNN 12x12x1, pixel-like inputs)", () => {
  let g: Graph;
  let calib: Float32Array[];
  let evalX: Float32Array[];
  let pwName: string;
  beforeAll(async () => {
    g = await smallDsCnn(3);
    calib = pixelInputs([12, 12, 1], 48, 5);
    evalX = pixelInputs([12, 12, 1], 48, 6);
    // the second 1x1 conv (block 2's pointwise layer)
    const convs = g.ops.filter((o) => o.type === "CONV_2D").map((o) => g.tensors[o.outputs[0]!]!.name);
    pwName = convs[convs.length - 1]!;
  });

  it("sensitivity, per-tensor weights, one weight x300 in the last 1x1 conv: that layer becomes the worst weighted layer", () => {
    const weighted = new Set(["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]);
    const rank = (m: Graph) => {
      const { graph: q, report } = quantizeWithReport(m, calib, { perTensor: true });
      const set = { x: evalX };
      return layerSensitivity(report.floatGraph, q, set, floatReference(report.floatGraph, set));
    };
    const before = rank(g);
    const after = rank(withOutlier(g, pwName, 300));
    // every int8 layer is measured (6 weighted layers, pooling, softmax)
    expect(after.length).toBe(before.length);
    expect(after.length).toBeGreaterThanOrEqual(8);
    const w0 = before.filter((r) => weighted.has(r.op));
    const w1 = after.filter((r) => weighted.has(r.op));
    expect(w0[0]!.name).not.toBe(pwName);
    expect(w1[0]!.name).toBe(pwName);
    const db = (rows: typeof before) => rows.find((r) => r.name === pwName)!.metrics.sqnrDb;
    expect(db(before) - db(after)).toBeGreaterThan(10);
    // sorted worst first
    for (let i = 1; i < after.length; i++)
      expect(after[i]!.metrics.sqnrDb).toBeGreaterThanOrEqual(after[i - 1]!.metrics.sqnrDb);
  });

  it("min-sqnr budget, per-tensor start: search meets it and the recipe file replays to the same bytes", async () => {
    const start = quantize(g, calib, { perTensor: true });
    const r0 = await quantizeToBudget(g, calib, {
      budget: { minSqnrDb: 0 },
      base: { perTensor: true },
      evalSet: { x: evalX },
    });
    // a trivially met budget: the baseline is the answer, nothing else tried
    expect(r0.met).toBe(true);
    expect(r0.steps.map((s) => s.fix)).toEqual(["baseline"]);
    expect(writeTflite(r0.graph)).toEqual(writeTflite(start));
    // a budget just above the baseline's SQNR forces fixes
    const target = r0.metrics.sqnrDb + 0.5;
    const r = await quantizeToBudget(g, calib, {
      budget: { minSqnrDb: target },
      base: { perTensor: true },
      evalSet: { x: evalX },
    });
    expect(r.steps.length).toBeGreaterThan(1);
    const path = join(dir, "recipe.json");
    writeRecipe(path, {
      format: RECIPE_FORMAT,
      version: RECIPE_VERSION,
      options: r.options,
      calib: { source: "pixelInputs(5)", samples: calib.length },
    });
    const back = readRecipe(path);
    expect(back.options).toEqual(r.options);
    const replay = quantize(g, calib, toQuantizeOptions(back.options));
    expect(Buffer.from(writeTflite(replay)).equals(Buffer.from(writeTflite(r.graph)))).toBe(true);
    // what each kept step bought is positive, and the final metrics are the best step's
    for (const s of r.steps.slice(1)) if (s.kept) expect(s.gain).toBeGreaterThan(0);
    expect(meets(r.metrics, r.budget)).toBe(r.met);
  });

  it("min-sqnr 90 dB cannot be met: E_BUDGET names the worst one-layer-int8 layer", async () => {
    const r = await quantizeToBudget(g, calib, {
      budget: { minSqnrDb: 90 },
      base: { perTensor: true },
      evalSet: { x: evalX },
    });
    expect(r.met).toBe(false);
    // every fix was tried
    expect(r.steps.map((s) => s.fix)).toEqual(
      expect.arrayContaining([
        "baseline",
        "cross-layer equalisation",
        "bias correction",
        "per-channel FULLY_CONNECTED",
      ]),
    );
    const e = budgetError(r);
    expect(e).toBeInstanceOf(EdgeqError);
    expect(e.code).toBe("E_BUDGET");
    expect(e.message).toContain("output SQNR >= 90 dB");
    expect(e.message).toContain(`'${r.sensitivity[0]!.name}'`);
  });

  it("--max-drop without labels: E_BUDGET_ARGS asking for --data", async () => {
    await expect(
      quantizeToBudget(g, calib, { budget: { maxDropPp: 0.5 }, evalSet: { x: evalX } }),
    ).rejects.toThrow(/needs labelled data: pass --data/);
  });

  it("readRecipe rejects a file that is not a recipe, naming the field", () => {
    const path = join(dir, "bad.json");
    writeRecipe(path, {
      format: RECIPE_FORMAT,
      version: RECIPE_VERSION,
      options: { ...toRecipeLike(), calibration: "median" as never },
      calib: { source: "x", samples: 1 },
    });
    expect(() => readRecipe(path)).toThrow(/options.calibration 'median' is not a method/);
  });
});

function toRecipeLike() {
  return {
    calibration: "percentile" as const,
    percentile: 99.99,
    layers: {},
    perTensor: false,
    perChannelDense: false,
    equalize: false,
    biasCorrection: "weights" as const,
    floatIo: false,
    keepRanges: false,
  };
}
