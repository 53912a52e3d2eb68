/**
 * The whole pipeline on the shipped sample, as `edgeq demo` / `npm run demo` runs it:
 * train a DS-CNN on samples/fashion-mnist, quantize it per-channel, write model.tflite, run
 * the int8 model with edgeq's runtime and with native TFLite side by side, write the drift
 * report, fit it against every Espruino board, and summarise.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fitModel, loadModel as loadTfliteFile, readRuntime } from "../boards/check.js";
import { formatFit } from "../boards/report.js";
import { load as loadRuntime } from "../runtime-int8/src/fast.js";
import { importModel } from "./import/index.js";
import { jsonEntry, META_LABELS, withMetadata } from "./ir/metadata.js";
import type { Graph } from "./ir/types.js";
import { loadCalibSet } from "./quantize/calibset.js";
import { quantizeWithReport } from "./quantize/index.js";
import { buildReport, writeReport } from "./report/index.js";
import { quantizeInt8 } from "./report/metrics.js";
import { writeTflite } from "./tflite/write.js";
import { loadDataset } from "./train/data.js";

export interface DemoOptions {
  data: string;
  out: string;
  epochs: number;
  seed: number;
  /** Test images for the side-by-side run and the report. */
  samples: number;
  /** Calibration images (from the training split). */
  calibSamples: number;
  log(line: string): void;
  progress: boolean;
}

export interface SideBySide {
  samples: number;
  identical: number;
  differingValues: number;
  maxAbsDiff: number;
}

export interface DemoSummary {
  floatTop1: number | null;
  int8Top1: number | null;
  agreement: number | null;
  floatBytes: number;
  int8Bytes: number;
  arenaBytes: number;
  native: SideBySide | undefined;
  reportHtml: string;
  modelPath: string;
  boardsFit: number;
  boardsTotal: number;
  seconds: number;
}

/** Runs edgeq's runtime and native TFLite on the same int8 inputs and compares output bytes. */
export async function sideBySide(bytes: Uint8Array, g: Graph, data: string, n: number): Promise<SideBySide> {
  const ds = await loadDataset(data);
  const inT = g.tensors[g.inputs[0]!]!;
  const scale = inT.quant?.scale[0] ?? 1;
  const zp = inT.quant?.zeroPoint[0] ?? 0;
  const per = ds.test.x.length / ds.test.n;
  const rt = loadRuntime(bytes);
  const { loadNative } = await import("./native.js"); // tfjs-tflite-node, loaded when used
  const nat = loadNative(bytes);
  const r: SideBySide = { samples: Math.min(n, ds.test.n), identical: 0, differingValues: 0, maxAbsDiff: 0 };
  for (let i = 0; i < r.samples; i++) {
    const q = quantizeInt8(ds.test.x.subarray(i * per, (i + 1) * per), scale, zp);
    rt.input(0).set(q);
    rt.invoke();
    const ours = rt.output(0);
    const theirs = nat.run([q])[0]!;
    let same = true;
    for (let k = 0; k < ours.length; k++) {
      const d = Math.abs(ours[k]! - theirs[k]!);
      if (d) {
        same = false;
        r.differingValues++;
        r.maxAbsDiff = Math.max(r.maxAbsDiff, d);
      }
    }
    if (same) r.identical++;
  }
  return r;
}

function fileBytes(...paths: string[]): number {
  return paths.reduce((a, p) => a + statSync(p).size, 0);
}

const pct = (v: number | null): string => (v === null ? "n/a" : `${(100 * v).toFixed(2)}%`);

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const t0 = Date.now();
  const floatDir = join(o.out, "float");
  mkdirSync(o.out, { recursive: true });

  o.log(`1/5 train ds-cnn on ${o.data} for ${o.epochs} epochs (wasm backend, seed ${o.seed})`);
  const { trainModel } = await import("./train/index.js"); // tfjs, loaded when used
  const tr = await trainModel({
    arch: "ds-cnn",
    data: o.data,
    epochs: o.epochs,
    out: floatDir,
    seed: o.seed,
    progress: o.progress,
  });
  o.log(
    `    test accuracy ${pct(tr.testAccuracy)}, ${tr.params} params, ${tr.imagesPerSec.toFixed(0)} images/s`,
  );

  o.log(`2/5 quantize per-channel int8 (calibration: ${o.calibSamples} training images, percentile 99.99)`);
  const modelJson = join(floatDir, "model.json");
  const fg = await importModel(modelJson);
  const calib = await loadCalibSet(o.data, fg, o.calibSamples);
  const { graph: qg } = quantizeWithReport(fg, calib.samples, {
    calibration: "percentile",
    onWarning: (m) => o.log(`    warning: ${m}`),
  });
  qg.metadata = withMetadata(qg, jsonEntry(META_LABELS, tr.labels));
  const bytes = writeTflite(qg);
  const modelPath = join(o.out, "model.tflite");
  writeFileSync(modelPath, bytes);
  const floatBytes = fileBytes(modelJson, join(floatDir, "weights.bin"));
  o.log(
    `    wrote ${modelPath}: ${bytes.length} bytes (float model.json + weights.bin: ${floatBytes} bytes)`,
  );

  o.log(`3/5 run int8 with edgeq's runtime and native TFLite side by side on ${o.samples} test images`);
  let native: SideBySide | undefined;
  if ((await import("./native.js")).nativeAvailable()) {
    native = await sideBySide(bytes, qg, o.data, o.samples);
    o.log(
      `    identical outputs on ${native.identical}/${native.samples} images` +
        (native.differingValues
          ? ` (${native.differingValues} values differ, max |diff| ${native.maxAbsDiff}: native TFLite 2.9 rounds gemm ties upward and uses a float table for SOFTMAX, where edgeq follows the reference kernels)`
          : ""),
    );
  } else {
    o.log("    native TFLite (npm tfjs-tflite-node) is not installed: skipped the side-by-side run");
  }

  o.log("4/5 drift report: float vs int8, layer by layer");
  const rep = await buildReport({
    floatPath: modelJson,
    int8Path: modelPath,
    dataPath: o.data,
    samples: o.samples,
  });
  const paths = writeReport(rep, join(o.out, "report"));
  o.log(`    ${paths.html} (${rep.meta.seconds.toFixed(1)} s)`);

  o.log("5/5 fit on Espruino boards");
  const fit = fitModel(loadTfliteFile(modelPath), readRuntime(), "all");
  for (const line of formatFit(modelPath, fit.summary, fit.reports, fit.runtimeBytes).split("\n"))
    o.log(`    ${line}`);

  return {
    floatTop1: rep.float.top1,
    int8Top1: rep.int8.top1,
    agreement: rep.agreement,
    floatBytes,
    int8Bytes: bytes.length,
    arenaBytes: fit.summary.arenaBytes,
    native,
    reportHtml: paths.html,
    modelPath,
    boardsFit: fit.reports.filter((r) => r.verdict !== "too big").length,
    boardsTotal: fit.reports.length,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The closing summary, a few plain lines. */
export function formatSummary(s: DemoSummary): string {
  const drop = s.floatTop1 !== null && s.int8Top1 !== null ? 100 * (s.floatTop1 - s.int8Top1) : null;
  return [
    "",
    "edgeq demo summary",
    `  accuracy    float ${pct(s.floatTop1)}  int8 ${pct(s.int8Top1)}  (drop ${drop === null ? "n/a" : `${drop.toFixed(2)} points`}), top-1 agreement ${pct(s.agreement)}`,
    `  size        int8 model.tflite ${s.int8Bytes} B vs float ${s.floatBytes} B (${(s.int8Bytes / s.floatBytes).toFixed(2)}x)`,
    `  arena       ${s.arenaBytes} B of RAM for activations`,
    s.native
      ? `  vs TFLite   identical outputs on ${s.native.identical}/${s.native.samples} test images`
      : "  vs TFLite   not run (native TFLite not installed)",
    `  boards      fits on ${s.boardsFit} of ${s.boardsTotal} Espruino boards (see the table above)`,
    `  model       ${s.modelPath}`,
    `  report      ${s.reportHtml}`,
    `  time        ${s.seconds.toFixed(0)} s`,
  ].join("\n");
}
