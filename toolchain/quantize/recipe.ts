/**
 * Quantization recipes: the options `edgeq quantize --max-drop` chose, written to a JSON file
 * (`--recipe-out`) that `--recipe` replays. quantize() is deterministic, so the same float
 * model and the same calibration set give the same bytes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { CALIBRATION_METHODS, type CalibrationMethod } from "../calibrate/index.js";
import { EdgeqError } from "../errors.js";
import type { QuantizeOptions } from "./index.js";

export const RECIPE_FORMAT = "edgeq-quantize-recipe";
export const RECIPE_VERSION = 1;

/** The serialisable QuantizeOptions a recipe fixes. */
export interface RecipeOptions {
  calibration: CalibrationMethod;
  percentile: number;
  /** Per-layer calibration method overrides, by tensor name. */
  layers: Record<string, CalibrationMethod>;
  perTensor: boolean;
  perChannelDense: boolean;
  equalize: boolean;
  biasCorrection: false | "weights" | "full";
  floatIo: boolean;
  keepRanges: boolean;
  /** Layers (output names) whose weights AdaRound rounds; absent or empty = nearest rounding. */
  adaround?: string[];
}

export interface Recipe {
  format: typeof RECIPE_FORMAT;
  version: number;
  options: RecipeOptions;
  /** The calibration set the recipe was made with (replay with the same --calib / --samples). */
  calib: { source: string; samples: number };
  /** Free-form record of the search: budget, steps, sensitivity, result (not read back). */
  made?: unknown;
}

export function recipeOptions(o: QuantizeOptions): RecipeOptions {
  const layers: Record<string, CalibrationMethod> = {};
  for (const [k, v] of Object.entries(o.layers ?? {})) layers[k] = typeof v === "string" ? v : v.method;
  const bc = o.biasCorrection;
  return {
    calibration: o.calibration ?? "percentile",
    percentile: o.percentile ?? 99.99,
    layers,
    perTensor: !!o.perTensor,
    perChannelDense: !!o.perChannelDense,
    equalize: !!o.equalize,
    biasCorrection: bc === false ? false : bc === "full" ? "full" : "weights",
    floatIo: !!o.floatIo,
    keepRanges: !!o.keepRanges,
  };
}

export function toQuantizeOptions(r: RecipeOptions): QuantizeOptions {
  return {
    calibration: r.calibration,
    percentile: r.percentile,
    ...(Object.keys(r.layers).length ? { layers: { ...r.layers } } : {}),
    perTensor: r.perTensor,
    perChannelDense: r.perChannelDense,
    equalize: r.equalize,
    biasCorrection: r.biasCorrection,
    floatIo: r.floatIo,
    keepRanges: r.keepRanges,
  };
}

export function writeRecipe(path: string, r: Recipe): void {
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}

/** Reads and checks a recipe file; every problem is an EdgeqError naming the field. */
export function readRecipe(path: string): Recipe {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new EdgeqError("E_RECIPE", `cannot read the recipe: ${(e as Error).message}`, path);
  }
  const bad = (what: string): never => {
    throw new EdgeqError(
      "E_RECIPE",
      `${what}; write recipes with edgeq quantize --max-drop ... --recipe-out FILE`,
      path,
    );
  };
  const r = j as Partial<Recipe>;
  if (!r || typeof r !== "object" || r.format !== RECIPE_FORMAT)
    bad(`not an edgeq quantize recipe (format should be '${RECIPE_FORMAT}')`);
  if (r.version !== RECIPE_VERSION)
    bad(`recipe version ${String(r.version)} is not supported (this edgeq reads ${RECIPE_VERSION})`);
  const o = r.options as Partial<RecipeOptions> | undefined;
  if (!o || typeof o !== "object") return bad("the recipe has no options");
  const isMethod = (m: unknown): m is CalibrationMethod =>
    CALIBRATION_METHODS.includes(m as CalibrationMethod);
  if (!isMethod(o.calibration)) bad(`options.calibration '${String(o.calibration)}' is not a method`);
  if (typeof o.percentile !== "number" || !(o.percentile > 50 && o.percentile <= 100))
    bad("options.percentile must be a number in (50, 100]");
  for (const k of ["perTensor", "perChannelDense", "equalize", "floatIo", "keepRanges"] as const)
    if (typeof o[k] !== "boolean") bad(`options.${k} must be true or false`);
  if (o.biasCorrection !== false && o.biasCorrection !== "weights" && o.biasCorrection !== "full")
    bad("options.biasCorrection must be false, 'weights' or 'full'");
  if (
    o.adaround !== undefined &&
    !(Array.isArray(o.adaround) && o.adaround.every((x) => typeof x === "string"))
  )
    bad("options.adaround must be a list of layer names");
  if (!o.layers || typeof o.layers !== "object") bad("options.layers must be an object");
  for (const [k, v] of Object.entries(o.layers ?? {}))
    if (!isMethod(v)) bad(`options.layers['${k}'] = '${String(v)}' is not a calibration method`);
  const c = r.calib;
  if (!c || typeof c.source !== "string" || !Number.isInteger(c.samples))
    bad("calib must be { source, samples }");
  return r as Recipe;
}
