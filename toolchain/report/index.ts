/**
 * edgeq report: loads a float model, an int8 .tflite and a dataset, compares them
 * (collect.ts) and writes report.html, report.md and report.json.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeqError } from "../errors.js";
import { importModel } from "../import/index.js";
import { getInputNorm } from "../ir/metadata.js";
import type { Graph } from "../ir/types.js";
import { readTflite } from "../tflite/read.js";
import { loadDataset } from "../train/data.js";
import { appliedFromRecipe, sensitivityRows } from "./budget.js";
import { type CollectOptions, collect, type SampleSet } from "./collect.js";
import { floatEngine, simulatedInt8Engine } from "./engines.js";
import { renderHtml } from "./render-html.js";
import { renderJson } from "./render-json.js";
import { renderMd } from "./render-md.js";
import { runtimeInt8Engine } from "./runtime.js";
import type { Int8Engine, ReportData } from "./types.js";

export { collect } from "./collect.js";
export type { ReportData } from "./types.js";

export interface ReportOptions {
  floatPath: string;
  int8Path: string;
  dataPath: string;
  /** Test samples to use (default 2000, capped at the test split's size). */
  samples?: number;
  /** "runtime" (edgeq's integer runtime, default) or "simulate" (float executor with fake quant). */
  engine?: "runtime" | "simulate";
  onProgress?: CollectOptions["onProgress"];
  onWarning?(msg: string): void;
  /** Samples for the per-layer sensitivity section (one layer int8 at a time); 0 or absent = none. */
  sensitivity?: number;
  /** A recipe file (edgeq quantize --recipe-out): adds the "what was applied" table. */
  recipe?: string;
}

function numel(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

export function readInt8(
  path: string,
  onWarning?: (msg: string) => void,
): { bytes: Uint8Array; graph: Graph } {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new EdgeqError("E_REPORT_INT8", "no such int8 model file; pass the quantized .tflite", path);
  const bytes = new Uint8Array(readFileSync(path));
  const graph = readTflite(bytes, { source: path, ...(onWarning ? { onWarning } : {}) });
  const inT = graph.tensors[graph.inputs[0] ?? -1];
  if (graph.inputs.length !== 1 || graph.outputs.length < 1 || !inT)
    throw new EdgeqError(
      "E_REPORT_INT8",
      `the report handles models with one input; this one has ${graph.inputs.length}`,
      path,
    );
  if (!graph.tensors.some((t) => t.dtype === "int8"))
    throw new EdgeqError(
      "E_REPORT_INT8",
      "this .tflite has no int8 tensor: pass the quantized model as --int8",
      path,
    );
  return { bytes, graph };
}

/** Test split as model inputs (input normalisation from the float model's metadata applied). */
export async function loadSamples(dataPath: string, fg: Graph, count: number): Promise<SampleSet> {
  const ds = await loadDataset(dataPath);
  const inT = fg.tensors[fg.inputs[0] ?? -1];
  const per = numel(ds.inputShape);
  if (!inT || numel(inT.shape) !== per)
    throw new EdgeqError(
      "E_REPORT_DATA",
      `dataset samples are [${ds.inputShape.join(", ")}] but the float model's input is [${inT?.shape.join(", ") ?? "?"}]; pass the dataset the model was trained on`,
      dataPath,
    );
  const n = Math.min(count, ds.test.n);
  const norm = getInputNorm(fg);
  const x: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.test.x.slice(i * per, (i + 1) * per);
    if (norm) for (let k = 0; k < v.length; k++) v[k] = (v[k]! - norm.mean) / norm.std;
    x.push(v);
  }
  // a data set without names gets "0".."9" from the loader: then the model's stored labels win
  const numeric = ds.labels.every((l, i) => l === String(i));
  return {
    x,
    y: ds.test.y.slice(0, n),
    ...(numeric ? {} : { labels: ds.labels }),
    imageShape: ds.inputShape,
  };
}

export async function buildReport(o: ReportOptions): Promise<ReportData> {
  const t0 = Date.now();
  const fg = await importModel(o.floatPath, o.onWarning ? { onWarning: o.onWarning } : {});
  const { bytes, graph: qg } = readInt8(o.int8Path, o.onWarning);
  const data = await loadSamples(o.dataPath, fg, o.samples ?? 2000);
  let qe: Int8Engine | undefined =
    o.engine === "simulate" ? undefined : await runtimeInt8Engine(bytes, qg, o.int8Path);
  if (!qe && o.engine !== "simulate")
    o.onWarning?.(
      "the int8 runtime (runtime-int8/src/index.ts) is not available: simulating int8 with the float executor",
    );
  const engine = qe ? "runtime" : "simulate";
  qe ??= simulatedInt8Engine(qg);
  const r = collect(floatEngine(fg), qe, data, {
    floatPath: o.floatPath,
    int8Path: o.int8Path,
    dataPath: o.dataPath,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  if (o.sensitivity) r.sensitivity = sensitivityRows(fg, qg, data.x, data.y, o.sensitivity);
  if (o.recipe) r.applied = appliedFromRecipe(o.recipe);
  r.meta.seconds = (Date.now() - t0) / 1000;
  r.meta.engine = engine;
  return r;
}

/** Writes report.html, report.md, report.json into dir (created if missing); returns the paths. */
export function writeReport(r: ReportData, dir: string): { html: string; md: string; json: string } {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new EdgeqError("E_REPORT_OUT", `cannot create the output directory: ${(e as Error).message}`, dir);
  }
  const paths = {
    html: join(dir, "report.html"),
    md: join(dir, "report.md"),
    json: join(dir, "report.json"),
  };
  writeFileSync(paths.html, renderHtml(r));
  writeFileSync(paths.md, renderMd(r));
  writeFileSync(paths.json, renderJson(r));
  return paths;
}
