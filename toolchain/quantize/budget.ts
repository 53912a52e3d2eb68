/**
 * Quantize to an accuracy budget (`edgeq quantize --max-drop PP`, `--min-agreement`,
 * `--min-sqnr`): measure the baseline, rank layers by sensitivity (one layer int8, the rest
 * float), then try fixes in order of cost, keeping each one that helps, until the budget
 * holds: per-layer calibration method (minmax / percentile / mse, chosen per sensitive layer
 * by its one-layer SQNR), cross-layer equalisation, full bias correction, per-channel
 * FULLY_CONNECTED. Fails with EdgeqError E_BUDGET naming the layers that still block it.
 */
import { type CalibrationMethod, calibrate, type Range } from "../calibrate/index.js";
import { EdgeqError } from "../errors.js";
import { runFloat } from "../exec/float.js";
import type { Graph } from "../ir/types.js";
import { quantizeWithRecipe } from "./apply.js";
import type { QuantizeOptions, QuantizeReport } from "./index.js";
import { activationParams } from "./params.js";
import { type RecipeOptions, recipeOptions } from "./recipe.js";
import {
  type EvalSet,
  type FloatReference,
  floatReference,
  type Int8Evaluator,
  int8Evaluator,
  type LayerSensitivity,
  layerSensitivity,
  type Metrics,
  oneLayerInt8,
  quantizedLayers,
  score,
} from "./sensitivity.js";

export interface Budget {
  /** Largest accepted top-1 accuracy drop, percentage points (needs labels). */
  maxDropPp?: number;
  /** Smallest accepted top-1 agreement with float, percent. */
  minAgreement?: number;
  /** Smallest accepted output SQNR against float, dB. */
  minSqnrDb?: number;
}

export interface BudgetStep {
  fix: string;
  /** What the fix changed (e.g. "conv1=mse, dense=minmax"). */
  detail: string;
  metrics: Metrics;
  /** Kept: it improved the budget's measure. The baseline is always "kept". */
  kept: boolean;
  /** Change of the budget's measure against the best before this step (pp, % or dB). */
  gain: number;
}

export interface BudgetResult {
  graph: Graph;
  report: QuantizeReport;
  options: RecipeOptions;
  met: boolean;
  float: { accuracy: number | null };
  metrics: Metrics;
  steps: BudgetStep[];
  /** Ranked worst first, measured on the baseline options. */
  sensitivity: LayerSensitivity[];
  engine: string;
  evalSamples: number;
  budget: Budget;
  /** The measure steps are compared by. */
  measure: "accuracy" | "agreement" | "sqnr";
}

export interface BudgetOptions {
  budget: Budget;
  /** Starting options (the user's flags). */
  base?: QuantizeOptions;
  evalSet: EvalSet;
  /** Evaluation inputs used for per-layer sensitivity (default 200, a prefix of evalSet). */
  sensitivitySamples?: number;
  /** Sensitive layers whose calibration method is searched (default 8). */
  calibrationLayers?: number;
  /** Most sensitive weighted layers AdaRound is tried on (default 4). */
  adaroundLayers?: number;
  /** "runtime" (default) or "simulate" for whole-model metrics. */
  engine?: "runtime" | "simulate";
  onLog?(msg: string): void;
}

/** Whether the metrics meet every bound of the budget. */
export function meets(m: Metrics, b: Budget): boolean {
  if (b.maxDropPp !== undefined && !(m.dropPp !== null && m.dropPp <= b.maxDropPp + 1e-9)) return false;
  if (b.minAgreement !== undefined && !(m.agreement >= b.minAgreement - 1e-9)) return false;
  if (b.minSqnrDb !== undefined && !(m.sqnrDb >= b.minSqnrDb)) return false;
  return true;
}

export function describeBudget(b: Budget): string {
  const parts: string[] = [];
  if (b.maxDropPp !== undefined) parts.push(`accuracy drop <= ${b.maxDropPp} pp`);
  if (b.minAgreement !== undefined) parts.push(`agreement >= ${b.minAgreement}%`);
  if (b.minSqnrDb !== undefined) parts.push(`output SQNR >= ${b.minSqnrDb} dB`);
  return parts.join(", ");
}

function measureOf(b: Budget): BudgetResult["measure"] {
  return b.maxDropPp !== undefined ? "accuracy" : b.minAgreement !== undefined ? "agreement" : "sqnr";
}

function value(m: Metrics, measure: BudgetResult["measure"]): number {
  if (measure === "accuracy") return 100 * (m.accuracy ?? 0);
  return measure === "agreement" ? m.agreement : m.sqnrDb;
}

/** a better than b: the budget's measure, then output SQNR as the tie-break. */
function better(a: Metrics, b: Metrics, measure: BudgetResult["measure"]): boolean {
  const d = value(a, measure) - value(b, measure);
  if (Math.abs(d) > 1e-9) return d > 0;
  return measure !== "sqnr" && a.sqnrDb > b.sqnrDb + 1e-6;
}

export function fmtMetrics(m: Metrics): string {
  const acc =
    m.accuracy === null
      ? ""
      : `accuracy ${(100 * m.accuracy).toFixed(2)}% (drop ${m.dropPp!.toFixed(2)} pp), `;
  return `${acc}agreement ${m.agreement.toFixed(2)}%, output SQNR ${m.sqnrDb.toFixed(1)} dB`;
}

/** Ops whose output grid comes from its own calibrated range (so a per-layer method changes it). */
function calibratedLayer(f: Graph, name: string): boolean {
  const o = f.ops.find((x) => f.tensors[x.outputs[0]!]!.name === name);
  return (
    !!o &&
    !["SOFTMAX", "MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE", "PAD", "MEAN", "CONCATENATION"].includes(o.type)
  );
}

export async function quantizeToBudget(
  g: Graph,
  calib: Float32Array[],
  o: BudgetOptions,
): Promise<BudgetResult> {
  const b = o.budget;
  if (b.maxDropPp === undefined && b.minAgreement === undefined && b.minSqnrDb === undefined)
    throw new EdgeqError(
      "E_BUDGET_ARGS",
      "no budget: give --max-drop, --min-agreement or --min-sqnr",
      "budget",
    );
  if (b.maxDropPp !== undefined && !o.evalSet.y)
    throw new EdgeqError(
      "E_BUDGET_ARGS",
      "--max-drop needs labelled data: pass --data DIR (a dataset with a test split); without labels use --min-agreement or --min-sqnr",
      "--max-drop",
    );
  if (o.evalSet.x.length === 0)
    throw new EdgeqError("E_BUDGET_ARGS", "the evaluation set is empty", "--data");
  const log = (m: string): void => o.onLog?.(m);
  const measure = measureOf(b);
  const ev: Int8Evaluator = await int8Evaluator(o.engine ?? "runtime");
  const ref: FloatReference = floatReference(g, o.evalSet);
  const sensSet: EvalSet = subset(o.evalSet, o.sensitivitySamples ?? 200);
  const sensRef = floatReference(g, sensSet);
  let opts: RecipeOptions = recipeOptions(o.base ?? {});
  const run = (r: RecipeOptions): { graph: Graph; report: QuantizeReport; metrics: Metrics } => {
    const { graph, report } = quantizeWithRecipe(g, calib, r);
    const metrics = score(ref, o.evalSet, ev.run(graph, o.evalSet.x));
    return { graph, report, metrics };
  };
  let best = run(opts);
  log(`baseline: ${fmtMetrics(best.metrics)}`);
  const steps: BudgetStep[] = [
    { fix: "baseline", detail: describeOptions(opts), metrics: best.metrics, kept: true, gain: 0 },
  ];
  const f = best.report.floatGraph;
  const sensitivity = layerSensitivity(f, best.graph, sensSet, sensRef);
  log(
    `sensitivity (one layer int8): ${sensitivity
      .slice(0, 5)
      .map((s) => `${s.name} ${s.metrics.sqnrDb.toFixed(1)} dB`)
      .join(", ")}`,
  );
  const tryFix = (fix: string, detail: string, next: RecipeOptions): void => {
    if (meets(best.metrics, b)) return;
    const r = run(next);
    const kept = better(r.metrics, best.metrics, measure);
    steps.push({
      fix,
      detail,
      metrics: r.metrics,
      kept,
      gain: value(r.metrics, measure) - value(best.metrics, measure),
    });
    log(`${fix} (${detail}): ${fmtMetrics(r.metrics)}${kept ? "" : " - not kept"}`);
    if (kept) {
      best = r;
      opts = next;
    }
  };

  // 1. per-layer calibration method, chosen by each sensitive layer's one-layer SQNR
  if (!meets(best.metrics, b)) {
    const ranges = new Map<CalibrationMethod, (Range | undefined)[]>();
    for (const m of ["minmax", "percentile", "mse"] as const)
      ranges.set(m, calibrate(f, calib, { method: m, percentile: opts.percentile }));
    const cand = sensitivity.filter((s) => calibratedLayer(f, s.name)).slice(0, o.calibrationLayers ?? 8);
    const layers: Record<string, CalibrationMethod> = { ...opts.layers };
    const chosen: string[] = [];
    for (const s of cand) {
      const ti = f.tensors.findIndex((t) => t.name === s.name);
      const current = layers[s.name] ?? opts.calibration;
      let bestM = current;
      let bestDb = Number.NEGATIVE_INFINITY;
      // the current method first: another one must be strictly better to replace it
      const order = [current, ...[...ranges.keys()].filter((m) => m !== current)];
      for (const m of order) {
        const rg = ranges.get(m)?.[ti];
        if (!rg) continue;
        const h = oneLayerInt8(f, best.graph, s.name, activationParams(rg.min, rg.max));
        const db = score(
          sensRef,
          sensSet,
          sensSet.x.map((x) => runFloat(h, [x]).outputs[0]!),
        ).sqnrDb;
        if (db > bestDb + 1e-6) {
          bestDb = db;
          bestM = m;
        }
      }
      if (bestM !== current) {
        layers[s.name] = bestM;
        chosen.push(`${s.name}=${bestM}`);
      }
    }
    if (chosen.length) tryFix("per-layer calibration", chosen.join(", "), { ...opts, layers });
  }
  // 2. cross-layer equalisation
  if (!opts.equalize)
    tryFix("cross-layer equalisation", "equalize conv/depthwise pairs", { ...opts, equalize: true });
  // 3. bias correction including the shift from activation rounding
  if (opts.biasCorrection !== "full")
    tryFix("bias correction", "full (weights and activation rounding)", { ...opts, biasCorrection: "full" });
  // 4. per-channel FULLY_CONNECTED weights
  if (!opts.perChannelDense && f.ops.some((x) => x.type === "FULLY_CONNECTED"))
    tryFix("per-channel FULLY_CONNECTED", "one weight scale per output unit", {
      ...opts,
      perChannelDense: true,
    });
  // 5. AdaRound on the most sensitive weighted layers
  if (!opts.adaround?.length) {
    const names = sensitivity
      .filter((s) => ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"].includes(s.op))
      .slice(0, o.adaroundLayers ?? 4)
      .map((s) => s.name);
    if (names.length) tryFix("AdaRound", names.join(", "), { ...opts, adaround: names });
  }

  return {
    graph: best.graph,
    report: best.report,
    options: opts,
    met: meets(best.metrics, b),
    float: { accuracy: ref.accuracy },
    metrics: best.metrics,
    steps,
    sensitivity,
    engine: ev.engine,
    evalSamples: o.evalSet.x.length,
    budget: b,
    measure,
  };
}

function subset(s: EvalSet, n: number): EvalSet {
  const k = Math.min(n, s.x.length);
  return { x: s.x.slice(0, k), ...(s.y ? { y: s.y.slice(0, k) } : {}) };
}

export function describeOptions(r: RecipeOptions): string {
  const p: string[] = [r.calibration === "percentile" ? `percentile ${r.percentile}` : r.calibration];
  p.push(r.perTensor ? "per-tensor conv weights" : "per-channel conv weights");
  if (r.perChannelDense) p.push("per-channel dense");
  if (r.equalize) p.push("equalized");
  p.push(r.biasCorrection === false ? "no bias correction" : `bias correction ${r.biasCorrection}`);
  if (r.adaround?.length) p.push(`AdaRound ${r.adaround.join(",")}`);
  const l = Object.entries(r.layers);
  if (l.length) p.push(`layers ${l.map(([k, v]) => `${k}=${v}`).join(",")}`);
  return p.join(", ");
}

/** The layers that still block the budget: worst one-layer SQNR on the final options. */
export function blockingLayers(r: BudgetResult, count = 3): LayerSensitivity[] {
  const f = r.report.floatGraph;
  const names = new Set(quantizedLayers(f, r.graph).map((l) => l.name));
  return r.sensitivity.filter((s) => names.has(s.name)).slice(0, count);
}

/** Text report: budget, float, every step with its gain, the sensitivity ranking. */
export function renderBudget(r: BudgetResult, top = 10): string {
  const lines: string[] = [];
  lines.push(
    `budget: ${describeBudget(r.budget)} on ${r.evalSamples} evaluation inputs (int8 run by ${r.engine})`,
  );
  if (r.float.accuracy !== null) lines.push(`float accuracy ${(100 * r.float.accuracy).toFixed(2)}%`);
  const unit = r.measure === "sqnr" ? "dB" : r.measure === "accuracy" ? "pp" : "%";
  for (const s of r.steps)
    lines.push(
      `  ${s.fix.padEnd(28)} ${fmtMetrics(s.metrics)}` +
        (s.fix === "baseline"
          ? `  [${s.detail}]`
          : `  ${s.gain >= 0 ? "+" : ""}${s.gain.toFixed(2)} ${unit}, ${s.kept ? "kept" : "not kept"}  [${s.detail}]`),
    );
  lines.push("sensitivity (only this layer int8, the rest float; worst first):");
  for (const s of r.sensitivity.slice(0, top))
    lines.push(
      `  ${s.name.padEnd(28)} ${s.op.padEnd(18)} SQNR ${s.metrics.sqnrDb.toFixed(1).padStart(5)} dB` +
        (s.metrics.accuracy !== null ? `, drop ${s.metrics.dropPp!.toFixed(2)} pp` : "") +
        `, agreement ${s.metrics.agreement.toFixed(2)}%`,
    );
  lines.push(`${r.met ? "budget met" : "budget NOT met"}: ${fmtMetrics(r.metrics)}`);
  lines.push(`recipe: ${describeOptions(r.options)}`);
  return `${lines.join("\n")}\n`;
}

/** The error for a budget that cannot be met, naming the blocking layers. */
export function budgetError(r: BudgetResult): EdgeqError {
  const blk = blockingLayers(r)
    .map(
      (s) =>
        `'${s.name}' (${s.op}, ${s.metrics.sqnrDb.toFixed(1)} dB alone${s.metrics.dropPp !== null ? `, -${s.metrics.dropPp.toFixed(2)} pp alone` : ""})`,
    )
    .join(", ");
  const tried = r.steps.filter((s) => s.fix !== "baseline").map((s) => s.fix);
  return new EdgeqError(
    "E_BUDGET",
    `cannot meet the budget (${describeBudget(r.budget)}): best is ${fmtMetrics(r.metrics)} after ${
      tried.length ? tried.join(", ") : "no applicable fix"
    }; the layers that block it are ${blk}. Try per-channel weights (drop --per-tensor), more calibration samples, or a looser budget`,
    "budget",
  );
}

/** JSON form of the budget search (for --json and the recipe's record). */
export function budgetJson(r: BudgetResult): Record<string, unknown> {
  return {
    budget: r.budget,
    met: r.met,
    measure: r.measure,
    engine: r.engine,
    evalSamples: r.evalSamples,
    floatAccuracy: r.float.accuracy,
    metrics: r.metrics,
    steps: r.steps,
    sensitivity: r.sensitivity,
    options: r.options,
  };
}
