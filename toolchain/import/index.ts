/**
 * importModel: a tfjs LayersModel (model.json + weight files) or a float .tflite -> float
 * Graph, with BatchNorm folded and ReLU/ReLU6 fused (pass { raw: true } to skip rewrites).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { EdgeqError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import { optimizeFloat } from "../quantize/rewrite.js";
import { readTflite } from "../tflite/read.js";
import { layersToGraph } from "./layers.js";
import { readLayersModel } from "./weights.js";

export { SUPPORTED_LAYERS, shortName } from "./layers.js";

export interface ImportOptions {
  /** Keep BatchNorm as MUL + ADD and activations unfused (default false). */
  raw?: boolean;
  onWarning?(msg: string): void;
}

/** Imports a tfjs LayersModel JSON object already on disk. */
export function importLayersModel(path: string, opts: ImportOptions = {}): Graph {
  const m = readLayersModel(path);
  const g = layersToGraph(m, path, opts.onWarning).g;
  g.description = "edgeq";
  return opts.raw ? g : optimizeFloat(g).graph;
}

/** Imports a float .tflite through the TFLite reader. */
export async function importTflite(path: string, opts: ImportOptions = {}): Promise<Graph> {
  const bytes = new Uint8Array(readFileSync(path));
  const g = readTflite(bytes, { source: path, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  const q = g.tensors.find((t) => t.dtype === "int8" || t.dtype === "uint8");
  if (q)
    throw new EdgeqError(
      "E_IMPORT_QUANTIZED",
      `tensor '${q.name}' is ${q.dtype}: this .tflite is already quantized; pass a float model`,
      path,
    );
  return opts.raw ? g : optimizeFloat(g).graph;
}

/** model.json of a tfjs LayersModel, or a float .tflite -> float Graph. */
export async function importModel(path: string, opts: ImportOptions = {}): Promise<Graph> {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new EdgeqError("E_IMPORT_PATH", "no such model file; pass a model.json or a float .tflite", path);
  if (path.toLowerCase().endsWith(".tflite")) return importTflite(path, opts);
  const head = readFileSync(path).subarray(0, 8);
  if (head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === "TFL3")
    return importTflite(path, opts);
  return importLayersModel(path, opts);
}
