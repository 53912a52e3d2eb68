import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { budgetJson, quantizeToBudget } from "../../toolchain/quantize/budget.js";
import { RECIPE_FORMAT, RECIPE_VERSION, writeRecipe } from "../../toolchain/quantize/recipe.js";
import { appliedFromRecipe, sensitivityRows } from "../../toolchain/report/budget.js";
import { collect } from "../../toolchain/report/collect.js";
import { floatEngine, simulatedInt8Engine } from "../../toolchain/report/engines.js";
import { escapeMd } from "../../toolchain/report/escape.js";
import { renderHtml } from "../../toolchain/report/render-html.js";
import { reportJson } from "../../toolchain/report/render-json.js";
import { renderMd } from "../../toolchain/report/render-md.js";
import { pixelInputs, smallDsCnn } from "./helpers.js";

describe("drift report: sensitivity section and what-was-applied table (small DS-CNN 12x12x1)", () => {
  it("min-sqnr budget recipe + 24 samples: md, html and json carry the ranked layers and every search step", async () => {
    const g = await smallDsCnn(4);
    const calib = pixelInputs([12, 12, 1], 32, 7);
    const x = pixelInputs([12, 12, 1], 24, 8);
    const y = Int32Array.from(x, (_, i) => i % 6);
    const base = await quantizeToBudget(g, calib, {
      budget: { minSqnrDb: 0 },
      base: { perTensor: true },
      evalSet: { x },
    });
    const r = await quantizeToBudget(g, calib, {
      budget: { minSqnrDb: base.metrics.sqnrDb + 0.5 },
      base: { perTensor: true },
      evalSet: { x },
    });
    const path = join(mkdtempSync(join(tmpdir(), "edgeq-budget-report-")), "r.json");
    writeRecipe(path, {
      format: RECIPE_FORMAT,
      version: RECIPE_VERSION,
      options: r.options,
      calib: { source: "pixels", samples: 32 },
      made: budgetJson(r),
    });
    const fg = r.report.floatGraph;
    const data = collect(floatEngine(fg), simulatedInt8Engine(r.graph), { x, y });
    data.sensitivity = sensitivityRows(fg, r.graph, x, y, 24);
    data.applied = appliedFromRecipe(path);
    const worst = data.sensitivity[0]!;
    expect(data.sensitivity.map((s) => s.rank)).toEqual(data.sensitivity.map((_, i) => i + 1));
    for (let i = 1; i < data.sensitivity.length; i++)
      expect(data.sensitivity[i]!.sqnr_db).toBeGreaterThanOrEqual(data.sensitivity[i - 1]!.sqnr_db);
    expect(data.applied.steps.map((s) => s.fix)).toEqual(r.steps.map((s) => s.fix));
    const md = renderMd(data);
    expect(md).toContain("## Sensitivity: one layer int8 at a time");
    expect(md).toContain("## What was applied");
    for (const s of r.steps) expect(md).toContain(escapeMd(s.fix));
    const html = renderHtml(data);
    expect(html).toContain("<h2>Sensitivity: one layer int8 at a time</h2>");
    expect(html).toContain(worst.name);
    const j = reportJson(data) as { sensitivity: { name: string }[]; applied: { steps: unknown[] } };
    expect(j.sensitivity[0]!.name).toBe(worst.name);
    expect(j.applied.steps.length).toBe(r.steps.length);
  });
});
