/**
 * Issue 16's acceptance numbers, one run: a MobileNet-v1 (alpha 0.25, ReLU6) trained on
 * samples/fashion-mnist (out/budget-mnv1, trained here when missing: 3 epochs of 8000 images),
 * quantized with per-tensor weights. Plain PTQ, `--max-drop 0.5` (quantizeToBudget, its recipe
 * replayed byte for byte), AdaRound alone on every weighted layer, all on the test split,
 * int8 run by native TFLite 2.9 with edgeq's runtime checked equal on every output.
 * QAT fine-tuning is not implemented yet: printed as such.
 */
import { existsSync } from "node:fs";
import { load } from "../runtime-int8/src/fast.js";
import { loadNative } from "../test/oracles/native.js";
import { importModel } from "../toolchain/import/index.js";
import type { Graph } from "../toolchain/ir/types.js";
import { quantizeWithRecipe } from "../toolchain/quantize/apply.js";
import { quantizeToBudget } from "../toolchain/quantize/budget.js";
import { loadCalibSet } from "../toolchain/quantize/calibset.js";
import { type RecipeOptions, recipeOptions } from "../toolchain/quantize/recipe.js";
import { argmax, floatReference } from "../toolchain/quantize/sensitivity.js";
import { loadSamples } from "../toolchain/report/index.js";
import { quantizeInt8 } from "../toolchain/report/metrics.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import { trainModel } from "../toolchain/train/index.js";

const MODEL = "out/budget-mnv1/model.json";
const DATA = "samples/fashion-mnist";

export async function budgetBench(): Promise<{ lines: string[]; data: Record<string, unknown> }> {
  const lines: string[] = [];
  const data: Record<string, unknown> = {};
  if (!existsSync(MODEL))
    await trainModel({
      arch: "mobilenet-v1",
      data: DATA,
      epochs: 3,
      limit: 8000,
      alpha: 0.25,
      out: "out/budget-mnv1",
      seed: 1,
    });
  const g = await importModel(MODEL, { raw: true });
  const calib = (await loadCalibSet(DATA, g, 200)).samples;
  const test = await loadSamples(DATA, g, 1000);
  const set = { x: test.x, y: test.y ?? new Int32Array(test.x.length).fill(-1) };
  const ref = floatReference(g, set);
  const floatAcc = 100 * ref.accuracy!;
  lines.push(
    `budget: ${MODEL} (mobilenet-v1 alpha 0.25), ${set.x.length} test images, float ${floatAcc.toFixed(2)}%`,
  );
  const measure = (name: string, q: Graph, secs: number): number => {
    const bytes = writeTflite(q);
    const nat = loadNative(bytes);
    const rt = load(bytes);
    const iq = q.tensors[q.inputs[0]!]!.quant!;
    let correct = 0;
    let same = 0;
    set.x.forEach((x, i) => {
      const xi = quantizeInt8(x, iq.scale[0]!, iq.zeroPoint[0]!);
      const y = nat.run([xi])[0]!;
      (rt.input(0) as Int8Array).set(xi);
      rt.invoke();
      const yr = rt.output(0) as Int8Array;
      if (y.every((v, k) => v === yr[k])) same++;
      if (argmax(y) === set.y[i]) correct++;
    });
    const acc = (100 * correct) / set.x.length;
    data[name] = { accuracy: acc, dropPp: floatAcc - acc, runtimeEqualsNative: same, seconds: secs };
    lines.push(
      `  ${name.padEnd(34)} int8 ${acc.toFixed(2)}% (drop ${(floatAcc - acc).toFixed(2)} pp), runtime==native ${same}/${set.x.length}, ${secs.toFixed(0)} s`,
    );
    return floatAcc - acc;
  };
  const timed = <T>(f: () => T): [T, number] => {
    const t = performance.now();
    const r = f();
    return [r, (performance.now() - t) / 1000];
  };
  const plainOpts: RecipeOptions = recipeOptions({ perTensor: true });
  const [plain, ps] = timed(() => quantizeWithRecipe(g, calib, plainOpts).graph);
  const plainDrop = measure("plain PTQ, per-tensor weights", plain, ps);
  const t0 = performance.now();
  const r = await quantizeToBudget(g, calib, {
    budget: { maxDropPp: 0.5 },
    base: { perTensor: true },
    evalSet: set,
  });
  const bs = (performance.now() - t0) / 1000;
  measure(`--max-drop 0.5 (${r.met ? "met" : "NOT met"})`, r.graph, bs);
  lines.push(
    `    steps: ${r.steps.map((s) => `${s.fix} ${s.gain >= 0 ? "+" : ""}${s.gain.toFixed(2)}${s.kept ? "" : " (not kept)"}`).join("; ")}`,
  );
  const replay = writeTflite(quantizeWithRecipe(g, calib, r.options).graph);
  const sameBytes = Buffer.from(replay).equals(Buffer.from(writeTflite(r.graph)));
  lines.push(`    recipe replay: ${sameBytes ? "same bytes" : "DIFFERENT bytes"}`);
  data.recipeReplaySameBytes = sameBytes;
  const weighted = r.report.floatGraph.ops
    .filter((o) => o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED")
    .map((o) => r.report.floatGraph.tensors[o.outputs[0]!]!.name);
  const [ada, as] = timed(() => quantizeWithRecipe(g, calib, { ...plainOpts, adaround: weighted }).graph);
  const adaDrop = measure("AdaRound alone (all layers)", ada, as);
  lines.push(
    `    AdaRound recovers ${plainDrop > 0 ? ((100 * (plainDrop - adaDrop)) / plainDrop).toFixed(0) : "n/a"}% of the plain PTQ drop (issue: >= 50%)`,
  );
  lines.push("  QAT fine-tuning: not implemented yet (edgeq train --qat), not measured");
  return { lines, data };
}
