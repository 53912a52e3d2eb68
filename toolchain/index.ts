/**
 * edgeq's programmatic API: `import { train, quantize, writeTflite, report, fit } from "edgeq"`.
 * Every CLI command is a thin layer over these functions. The package ships TypeScript
 * source: run it with tsx (`npx tsx script.ts`), vitest, or a bundler.
 */
import { fitModel, loadModel, readRuntime } from "../boards/check.js";
import type { FitReport } from "../boards/fit.js";
import { buildReport, type ReportOptions, writeReport } from "./report/index.js";
import type { ReportData } from "./report/types.js";

export type { Board } from "../boards/index.js";
export { loadBoards } from "../boards/index.js";
export { load as loadRuntime } from "../runtime-int8/src/fast.js";
export type { Model as RuntimeModel } from "../runtime-int8/src/index.js";
export { type DemoOptions, type DemoSummary, runDemo } from "./demo.js";
export { EdgeqError } from "./errors.js";
export { type FloatRun, runFloat } from "./exec/float.js";
export { importModel } from "./import/index.js";
export { graphCost, opCost } from "./ir/cost.js";
export { checkGraph } from "./ir/shapes.js";
export type * from "./ir/types.js";
export { loadCalibSet } from "./quantize/calibset.js";
export { type QuantizeOptions, type QuantizeReport, quantize, quantizeWithReport } from "./quantize/index.js";
export { type ReadOptions, readTflite } from "./tflite/read.js";
export { writeTflite } from "./tflite/write.js";
export { type Dataset, loadDataset, type Split } from "./train/data.js";
export { type TrainOptions, type TrainReport, trainModel as train } from "./train/index.js";
export type { ReportData, ReportOptions };

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
