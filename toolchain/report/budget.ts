/**
 * The report's sensitivity section (per-layer output SQNR with only that layer int8, the rest
 * float, ranked worst first) and its "what was applied" table (from a recipe written by
 * `edgeq quantize --max-drop ... --recipe-out`). Every model-derived string is escaped.
 */
import type { Graph } from "../ir/types.js";
import { describeOptions, fmtMetrics } from "../quantize/budget.js";
import { readRecipe } from "../quantize/recipe.js";
import { floatReference, layerSensitivity } from "../quantize/sensitivity.js";
import { escapeHtml, escapeMd } from "./escape.js";
import { fmt } from "./format.js";
import type { AppliedRecipe, ReportData, SensitivityRow } from "./types.js";

/** Per-layer sensitivity of the int8 graph q against the float graph fg, on the first n samples. */
export function sensitivityRows(
  fg: Graph,
  qg: Graph,
  x: Float32Array[],
  y: Int32Array | undefined,
  n: number,
): SensitivityRow[] {
  const set = { x: x.slice(0, n), ...(y ? { y: y.slice(0, n) } : {}) };
  const ref = floatReference(fg, set);
  return layerSensitivity(fg, qg, set, ref).map((s, i) => ({
    rank: i + 1,
    name: s.name,
    op: s.op,
    sqnr_db: s.metrics.sqnrDb,
    drop_pp: s.metrics.dropPp,
    agreement: s.metrics.agreement / 100,
  }));
}

/** The "what was applied" table from a recipe file (its record of the budget search). */
export function appliedFromRecipe(path: string): AppliedRecipe {
  const r = readRecipe(path);
  const made = (r.made ?? {}) as {
    measure?: string;
    steps?: {
      fix: string;
      detail: string;
      metrics: Parameters<typeof fmtMetrics>[0];
      kept: boolean;
      gain: number;
    }[];
  };
  const unit = made.measure === "sqnr" ? "dB" : made.measure === "accuracy" ? "pp" : "%";
  return {
    path,
    options: describeOptions(r.options),
    steps: (made.steps ?? []).map((s) => ({
      fix: s.fix,
      detail: s.detail,
      result: fmtMetrics(s.metrics),
      gain: s.fix === "baseline" ? "" : `${s.gain >= 0 ? "+" : ""}${s.gain.toFixed(2)} ${unit}`,
      kept: s.kept,
    })),
  };
}

function mdTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

const SENS_NOTE =
  "Each row: the model with only this layer int8 (its weights, bias and output grid from the int8 file), every other layer float; output SQNR and accuracy against float, worst first.";

export function budgetMd(r: ReportData): string[] {
  const out: string[] = [];
  if (r.sensitivity?.length) {
    out.push("## Sensitivity: one layer int8 at a time", "", SENS_NOTE, "");
    out.push(
      mdTable(
        ["rank", "layer", "op", "output SQNR (dB)", "drop (points)", "agreement"],
        r.sensitivity.map((s) => [
          String(s.rank),
          escapeMd(s.name),
          s.op,
          fmt(s.sqnr_db, 1),
          s.drop_pp === null ? "n/a" : fmt(s.drop_pp, 2),
          `${fmt(100 * s.agreement, 2)}%`,
        ]),
      ),
      "",
    );
  }
  if (r.applied) {
    out.push(`## What was applied (recipe ${escapeMd(r.applied.path)})`, "");
    out.push(
      mdTable(
        ["step", "what", "result", "gain", "kept"],
        r.applied.steps.map((s) => [
          escapeMd(s.fix),
          escapeMd(s.detail),
          escapeMd(s.result),
          s.gain,
          s.kept ? "yes" : "no",
        ]),
      ),
      "",
      `Options: ${escapeMd(r.applied.options)}`,
      "",
    );
  }
  return out;
}

export function budgetHtml(r: ReportData): string {
  let s = "";
  if (r.sensitivity?.length) {
    s += `<h2>Sensitivity: one layer int8 at a time</h2><p class="small">${SENS_NOTE}</p><table><tr><th>rank</th><th>layer</th><th>op</th><th>output SQNR (dB)</th><th>drop (points)</th><th>agreement</th></tr>`;
    for (const x of r.sensitivity)
      s += `<tr><td>${x.rank}</td><td>${escapeHtml(x.name)}</td><td>${x.op}</td><td>${fmt(x.sqnr_db, 1)}</td><td>${x.drop_pp === null ? "n/a" : fmt(x.drop_pp, 2)}</td><td>${fmt(100 * x.agreement, 2)}%</td></tr>`;
    s += "</table>";
  }
  if (r.applied) {
    s += `<h2>What was applied</h2><p class="small">recipe <code>${escapeHtml(r.applied.path)}</code>: ${escapeHtml(r.applied.options)}</p><table><tr><th>step</th><th>what</th><th>result</th><th>gain</th><th>kept</th></tr>`;
    for (const x of r.applied.steps)
      s += `<tr><td>${escapeHtml(x.fix)}</td><td>${escapeHtml(x.detail)}</td><td>${escapeHtml(x.result)}</td><td>${x.gain}</td><td>${x.kept ? "yes" : "no"}</td></tr>`;
    s += "</table>";
  }
  return s;
}

export function budgetJsonPart(r: ReportData): Record<string, unknown> {
  return {
    ...(r.sensitivity ? { sensitivity: r.sensitivity } : {}),
    ...(r.applied ? { applied: r.applied } : {}),
  };
}
