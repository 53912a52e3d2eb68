/**
 * tfjs LayersModel files (model.json + weights.bin) on the local disk without native code:
 * `file://` save and load routers for tf.io, so `model.save("file://dir")` and
 * `tf.loadLayersModel("file://dir/model.json")` work in plain Node. Models exported from Keras
 * with the tensorflowjs converter (several weight shards, SeparableConv2D, DepthwiseConv2D)
 * load the same way.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { EdgeqError } from "../errors.js";
import { registerFastBatchNorm } from "./batchnorm.js";

function toPath(url: string): string {
  return url.startsWith("file:///") ? fileURLToPath(url) : url.slice("file://".length);
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** Save handler: writes dir/model.json and dir/weights.bin (dir is created). */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new EdgeqError(
          "model-save",
          `cannot save a binary (graph) topology to ${dir}; only LayersModels`,
          dir,
        );
      }
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new EdgeqError("model-save", `cannot create ${dir}: ${(e as Error).message}`, dir);
      }
      const manifest: tf.io.WeightsManifestConfig = [
        { paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] },
      ];
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: manifest,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? "edgeq",
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileSync(join(dir, "model.json"), `${JSON.stringify(json)}\n`);
      writeFileSync(join(dir, "weights.bin"), weightBytes(artifacts.weightData));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Load handler for a model.json path (or its directory); weight shards are read beside it. */
export function fileLoadHandler(path: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "model.json") : path;
      if (!existsSync(file)) {
        throw new EdgeqError(
          "model-load",
          `${file} does not exist; pass a tfjs model.json (or its directory)`,
          file,
        );
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(file, "utf8")) as tf.io.ModelJSON;
      } catch (e) {
        throw new EdgeqError("model-load", `${file} is not valid JSON (${(e as Error).message})`, file);
      }
      if (!json || typeof json !== "object" || !json.modelTopology) {
        throw new EdgeqError(
          "model-load",
          `${file} has no modelTopology; is it a tfjs LayersModel model.json?`,
          file,
        );
      }
      const dir = dirname(resolve(file));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Uint8Array[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const shard = join(dir, p);
            if (!existsSync(shard)) {
              throw new EdgeqError(
                "model-load",
                `weight file ${shard} named in ${file} is missing; copy it next to model.json`,
                shard,
              );
            }
            parts.push(new Uint8Array(readFileSync(shard)));
          }
          specs.push(...group.weights);
        }
        const total = parts.reduce((a, p) => a + p.length, 0);
        const data = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          data.set(p, at);
          at += p.length;
        }
        return [specs, data.buffer];
      });
    },
  };
}

type IORouter = Parameters<typeof tf.io.registerSaveRouter>[0];

let routersRegistered = false;

/** Registers the file:// routers (idempotent) and the fast BatchNormalization class. */
export function registerFileRouters(): void {
  if (routersRegistered) return;
  registerFastBatchNorm();
  const pick = (url: unknown): string | undefined => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === "string" && u.startsWith("file://") ? u : undefined;
  };
  tf.io.registerSaveRouter(((url: unknown) => {
    const u = pick(url);
    return u ? fileSaveHandler(toPath(u)) : null;
  }) as IORouter);
  tf.io.registerLoadRouter(((url: unknown) => {
    const u = pick(url);
    return u ? fileLoadHandler(toPath(u)) : null;
  }) as IORouter);
  routersRegistered = true;
}

/** Saves a LayersModel to dir (model.json + weights.bin). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  registerFileRouters();
  await model.save(fileSaveHandler(dir));
}

/** Loads a LayersModel from a model.json path or its directory. */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  registerFileRouters();
  try {
    return await tf.loadLayersModel(fileLoadHandler(path));
  } catch (e) {
    if (e instanceof EdgeqError) throw e;
    throw new EdgeqError("model-load", `cannot build a model from ${path}: ${(e as Error).message}`, path);
  }
}
