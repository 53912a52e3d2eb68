/**
 * edgeq's programmatic API: `import { train, quantize, writeTflite, report, fit } from "edgeq"`.
 * Every CLI command is a thin layer over these functions. The package ships compiled ES
 * modules with type declarations (dist/toolchain/index.js + .d.ts): plain `node app.mjs` and
 * TypeScript both import it. tfjs loads on the first call of `train` or `runDemo`, not here.
 */
import { fitModel, loadModel, readRuntime } from "../boards/check.js";
import type { FitReport } from "../boards/fit.js";
import type { DemoOptions, DemoSummary } from "./demo.js";
import { buildReport, type ReportOptions, writeReport } from "./report/index.js";
import type { ReportData } from "./report/types.js";
import type { TrainOptions, TrainReport } from "./train/options.js";

export type { Board } from "../boards/index.js";
export { loadBoards } from "../boards/index.js";
export { load as loadRuntime } from "../runtime-int8/src/fast.js";
export type { Model as RuntimeModel } from "../runtime-int8/src/index.js";
export { EdgeqError } from "./errors.js";
export { type FloatRun, runFloat } from "./exec/float.js";
export { importModel } from "./import/index.js";
export { graphCost, opCost } from "./ir/cost.js";
export { checkGraph } from "./ir/shapes.js";
export type * from "./ir/types.js";
export { loadCalibSet } from "./quantize/calibset.js";
export { type QuantizeOptions, type QuantizeReport, quantize, quantizeWithReport } from "./quantize/index.js";
export { type InspectReport, inspectModel, renderInspect } from "./tflite/inspect.js";
export { type ReadOptions, readTflite } from "./tflite/read.js";
export { writeTflite } from "./tflite/write.js";
export { type Dataset, loadDataset, type Split } from "./train/data.js";
export type { DemoOptions, DemoSummary, ReportData, ReportOptions, TrainOptions, TrainReport };

/** Trains a float model and writes model.json, weights.bin and train.json (loads tfjs on first use). */
export async function train(o: TrainOptions): Promise<TrainReport> {
  return (await import("./train/index.js")).trainModel(o);
}

/** The whole pipeline on the shipped sample, as `edgeq demo` runs it (loads tfjs on first use). */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  return (await import("./demo.js")).runDemo(o);
}

/** Builds the float-vs-int8 drift report and writes report.html / .md / .json into `out`. */
export async function report(
  o: ReportOptions & { out: string },
): Promise<{ data: ReportData; paths: { html: string; md: string; json: string } }> {
  const data = await buildReport(o);
  return { data, paths: writeReport(data, o.out) };
}

/** Fits an int8 .tflite file on one board by id/name, or on "all" boards. */
export function fit(modelPath: string, board = "all", boardFiles: string[] = []): FitReport[] {
  return fitModel(loadModel(modelPath), readRuntime(), board, boardFiles).reports;
}
