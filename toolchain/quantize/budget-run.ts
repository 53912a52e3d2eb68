/**
 * The `edgeq quantize` side of budgets and recipes: --max-drop / --min-agreement / --min-sqnr
 * run the search (budget.ts) on --data's test split (or the calibration set without --data),
 * --recipe-out writes the chosen options, --recipe replays a recipe.
 */
import { EdgeqError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import { loadSamples } from "../report/index.js";
import { quantizeWithRecipe } from "./apply.js";
import { budgetError, budgetJson, quantizeToBudget, renderBudget } from "./budget.js";
import type { CalibSet } from "./calibset.js";
import type { QuantizeOptions, QuantizeReport } from "./index.js";
import { RECIPE_FORMAT, RECIPE_VERSION, readRecipe, writeRecipe } from "./recipe.js";
import type { EvalSet } from "./sensitivity.js";

export interface PlanArgs {
  maxDrop?: string;
  minAgreement?: string;
  minSqnr?: string;
  data?: string;
  evalSamples?: string;
  recipe?: string;
  recipeOut?: string;
  calibSpec: string;
  calibSamples: number;
}

function num(v: string | undefined, flag: string, lo: number, hi: number): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi)
    throw new EdgeqError("E_ARGS", `${flag} must be a number in [${lo}, ${hi}], got '${v}'`, flag);
  return n;
}

export interface Planned {
  graph: Graph;
  report: QuantizeReport;
  /** Text to print before the summary. */
  text: string;
  /** Extra fields for --json. */
  json: Record<string, unknown>;
}

/**
 * Quantizes as --recipe or the budget flags say; undefined when none is given (plain quantize).
 * `base` holds the options from the other flags (the search starts from them).
 */
export async function planQuantize(
  f: Graph,
  set: CalibSet,
  base: QuantizeOptions,
  a: PlanArgs,
  onLog?: (msg: string) => void,
): Promise<Planned | undefined> {
  const budget = {
    ...(num(a.maxDrop, "--max-drop", 0, 100) !== undefined ? { maxDropPp: Number(a.maxDrop) } : {}),
    ...(num(a.minAgreement, "--min-agreement", 0, 100) !== undefined
      ? { minAgreement: Number(a.minAgreement) }
      : {}),
    ...(num(a.minSqnr, "--min-sqnr", -1000, 1000) !== undefined ? { minSqnrDb: Number(a.minSqnr) } : {}),
  };
  const hasBudget = Object.keys(budget).length > 0;
  if (a.recipe) {
    if (hasBudget)
      throw new EdgeqError(
        "E_ARGS",
        "--recipe replays a recipe; it cannot be combined with --max-drop / --min-agreement / --min-sqnr",
        "--recipe",
      );
    const r = readRecipe(a.recipe);
    const notes: string[] = [];
    if (r.calib.source !== a.calibSpec || r.calib.samples !== a.calibSamples)
      notes.push(
        `warning: the recipe was made with --calib ${r.calib.source} --samples ${r.calib.samples}; this run uses --calib ${a.calibSpec} --samples ${a.calibSamples}, so the bytes can differ`,
      );
    const { graph, report } = quantizeWithRecipe(
      f,
      set.samples,
      r.options,
      base.onWarning ? { onWarning: base.onWarning } : {},
    );
    return {
      graph,
      report,
      text: `${[`recipe ${a.recipe} replayed`, ...notes].join("\n")}\n`,
      json: { recipe: a.recipe, recipeOptions: r.options },
    };
  }
  if (!hasBudget) {
    if (a.recipeOut)
      throw new EdgeqError(
        "E_ARGS",
        "--recipe-out writes what a budget search chose: give --max-drop, --min-agreement or --min-sqnr",
        "--recipe-out",
      );
    return undefined;
  }
  const n = num(a.evalSamples, "--eval-samples", 1, 1e9) ?? 1000;
  let evalSet: EvalSet;
  if (a.data) {
    const s = await loadSamples(a.data, f, n);
    evalSet = { x: s.x, y: s.y };
  } else evalSet = { x: set.samples.slice(0, n) };
  const { onWarning: _w, onProgress: _p, ...quiet } = base;
  const r = await quantizeToBudget(f, set.samples, {
    budget,
    base: quiet,
    evalSet,
    ...(onLog ? { onLog } : {}),
  });
  const text = renderBudget(r);
  if (!r.met) {
    process.stderr.write(text);
    throw budgetError(r);
  }
  const json = budgetJson(r);
  if (a.recipeOut)
    writeRecipe(a.recipeOut, {
      format: RECIPE_FORMAT,
      version: RECIPE_VERSION,
      options: r.options,
      calib: { source: a.calibSpec, samples: a.calibSamples },
      made: json,
    });
  // the search quantized quietly: pass the chosen quantization's warnings on
  for (const w of r.report.warnings) base.onWarning?.(w);
  return {
    graph: r.graph,
    report: r.report,
    text: text + (a.recipeOut ? `wrote recipe ${a.recipeOut}\n` : ""),
    json: { budget: json },
  };
}
