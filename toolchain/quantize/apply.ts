/**
 * quantize() driven by a recipe: the options, plus AdaRound on the recipe's layers (which
 * rewrites the folded / equalised float weights onto their learnt int8 grid before the
 * quantizer runs). Deterministic: the same model and calibration set give the same bytes.
 */
import type { Graph } from "../ir/types.js";
import { adaround } from "./adaround.js";
import { equalize } from "./equalize.js";
import { type QuantizeOptions, type QuantizeReport, quantizeWithReport } from "./index.js";
import { type RecipeOptions, toQuantizeOptions } from "./recipe.js";
import { optimizeFloat } from "./rewrite.js";

export function quantizeWithRecipe(
  g: Graph,
  calib: Float32Array[],
  r: RecipeOptions,
  extra: Pick<QuantizeOptions, "onWarning" | "onProgress"> = {},
): { graph: Graph; report: QuantizeReport } {
  const o: QuantizeOptions = { ...toQuantizeOptions(r), ...extra };
  if (!r.adaround?.length) return quantizeWithReport(g, calib, o);
  const { graph: f } = optimizeFloat(g);
  if (r.equalize) equalize(f);
  const ar = adaround(f, calib, r.adaround, {
    perChannel: (op) => (op.type === "FULLY_CONNECTED" ? r.perChannelDense : !r.perTensor),
  });
  // folding and equalisation are done: the second pass must not equalise again
  return quantizeWithReport(ar.graph, calib, { ...o, equalize: false });
}
