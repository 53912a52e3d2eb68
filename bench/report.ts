/**
 * Bench: time of `edgeq report` on the sample model (ds-cnn on samples/fashion-mnist, 2000
 * test images), next to native TFLite running the same int8 model over the same images.
 * Uses out/ds-cnn/model.json when `edgeq train` has produced it, otherwise an untrained
 * ds-cnn from the zoo (the same architecture, so the same cost).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadNative } from "../test/oracles/native.js";
import { importModel } from "../toolchain/import/index.js";
import { quantize } from "../toolchain/quantize/index.js";
import { buildReport, writeReport } from "../toolchain/report/index.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import { loadDataset } from "../toolchain/train/data.js";
import { saveModel } from "../toolchain/train/io.js";
import { dsCnn } from "../toolchain/train/zoo.js";
import type { BenchResult } from "./run.js";

const DATA = "samples/fashion-mnist";

export default async function (): Promise<BenchResult> {
  const dir = "out/bench-report";
  mkdirSync(dir, { recursive: true });
  let floatPath = "out/ds-cnn/model.json";
  const trained = existsSync(floatPath);
  if (!trained) {
    floatPath = join(dir, "model.json");
    await saveModel(dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 }), dir);
  }
  const g = await importModel(floatPath);
  const ds = await loadDataset(DATA);
  const calib = Array.from({ length: 200 }, (_, i) => ds.train.x.slice(i * 784, (i + 1) * 784));
  const bytes = writeTflite(quantize(g, calib));
  const int8Path = join(dir, "int8.tflite");
  writeFileSync(int8Path, bytes);

  const t0 = performance.now();
  const r = await buildReport({ floatPath, int8Path, dataPath: DATA });
  writeReport(r, join(dir, "report"));
  const reportS = (performance.now() - t0) / 1000;

  const native = loadNative(bytes);
  const n = r.meta.samples;
  const t1 = performance.now();
  const x = new Int8Array(784);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < 784; i++) x[i] = Math.round(ds.test.x[s * 784 + i]! * 255) - 128;
    native.run([x]);
  }
  const nativeS = (performance.now() - t1) / 1000;
  return {
    name: "report",
    lines: [
      `model: ds-cnn ${trained ? "(trained, out/ds-cnn)" : "(untrained zoo ds-cnn: same cost; run edgeq train for real accuracy)"}, ${n} samples, int8 engine ${r.meta.engine}`,
      `edgeq report (float executor + int8 runtime with every layer compared + HTML/MD/JSON): ${reportS.toFixed(1)} s (limit 60 s)`,
      `native TFLite int8 inference alone over the same ${n} samples: ${nativeS.toFixed(2)} s (report / native = ${(reportS / nativeS).toFixed(0)}x)`,
      `float top-1 ${r.float.top1}, int8 top-1 ${r.int8.top1}, agreement ${r.agreement}, jump ${r.jump ? r.jump.name : "none"}`,
    ],
    data: {
      samples: n,
      trained,
      reportSeconds: reportS,
      nativeSeconds: nativeS,
      floatTop1: r.float.top1,
      int8Top1: r.int8.top1,
    },
  };
}
