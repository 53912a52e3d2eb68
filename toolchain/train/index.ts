/**
 * edgeq training: datasets, model zoo, the fit loop, the wasm backend with edgeq's kernels,
 * and LayersModel files on disk. `trainModel` is the whole `edgeq train` command as a function.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { EdgeqError } from "../errors.js";
import { initBackend } from "./backend.js";
import { type Dataset, loadDataset } from "./data.js";
import { evaluate, fitModel } from "./fit.js";
import { saveModel } from "./io.js";
import type { TrainOptions, TrainReport } from "./options.js";
import { validationSplit } from "./prep.js";
import { ARCHS, buildModel } from "./zoo.js";

export { adam, FastAdamOptimizer, fastAdam } from "./adam.js";
export {
  type BackendName,
  gradKernelOptions,
  initBackend,
  type KernelMode,
  registerGradKernels,
} from "./backend.js";
export { FastBatchNormalization, fastBatchNorm, registerFastBatchNorm } from "./batchnorm.js";
export { CIFAR10_LABELS, type Dataset, FASHION_LABELS, loadDataset, type Split } from "./data.js";
export { type EpochLog, evaluate, type FitOptions, type FitResult, fitModel } from "./fit.js";
export { fileLoadHandler, fileSaveHandler, loadModel, registerFileRouters, saveModel } from "./io.js";
export type { TrainOptions, TrainReport } from "./options.js";
export { type Augment, augmentBatch, permutation, rng, take, validationSplit } from "./prep.js";
export {
  type Activation,
  ARCHS,
  type Arch,
  buildModel,
  cifarSepCnn,
  type DsCnnOptions,
  dsCnn,
  type MobileNetV1Options,
  mobilenetV1,
  type ZooCommon,
} from "./zoo.js";

/** Loads data, builds, trains, evaluates and saves a model; writes out/model.json, weights.bin, train.json. */
export async function trainModel(o: TrainOptions): Promise<TrainReport> {
  if (!(ARCHS as readonly string[]).includes(o.arch)) {
    throw new EdgeqError(
      "train-arch",
      `unknown --arch '${o.arch}'; choose one of ${ARCHS.join(", ")}`,
      o.arch,
    );
  }
  const seed = o.seed ?? 1;
  const batchSize = o.batchSize ?? 64;
  const lr = o.lr ?? 0.003;
  const ds: Dataset = await loadDataset(o.data);
  await initBackend(o.backend ?? "wasm", o.kernels ?? "fast");
  let train = ds.train;
  let val: Dataset["test"] | undefined;
  if (o.validation) ({ train, val } = validationSplit(ds.train, o.validation, seed));
  const test = o.testLimit
    ? {
        x: ds.test.x.subarray(0, Math.min(o.testLimit, ds.test.n) * (ds.test.x.length / ds.test.n)),
        y: ds.test.y.subarray(0, Math.min(o.testLimit, ds.test.n)),
        n: Math.min(o.testLimit, ds.test.n),
      }
    : ds.test;
  const model = buildModel(o.arch, {
    inputShape: ds.inputShape,
    classes: ds.labels.length,
    seed,
    alpha: o.alpha,
    depthMultiplier: o.depthMultiplier,
    activation: o.activation,
    bnMomentum: o.bnMomentum,
  });
  const r = await fitModel(model, train, {
    epochs: o.epochs,
    batchSize,
    lr,
    schedule: o.schedule,
    seed,
    inputShape: ds.inputShape,
    classes: ds.labels.length,
    val,
    test,
    augment: o.augment,
    patience: o.patience,
    progress: o.progress,
    limit: o.limit,
    onEpoch: o.onEpoch,
  });
  const testAccuracy = evaluate(model, test, ds.inputShape).accuracy;
  const trained = r.epochs.reduce((a, e) => a + e.seconds, 0);
  const images = r.epochs.reduce((a, e) => a + e.imagesPerSec * e.seconds, 0);
  const report: TrainReport = {
    arch: o.arch,
    data: o.data,
    labels: ds.labels,
    inputShape: ds.inputShape,
    normalisation: { input: "pixels / 255", scale: 1 / 255, offset: 0, range: [0, 1] },
    seed,
    batchSize,
    lr,
    schedule: o.schedule ?? "cosine",
    params: model.countParams(),
    backend: `${tf.getBackend()}${tf.getBackend() === "wasm" ? ` (${o.kernels ?? "fast"} kernels)` : ""}`,
    epochs: r.epochs,
    stoppedEarly: r.stoppedEarly,
    testAccuracy,
    trainSeconds: r.seconds,
    imagesPerSec: images / Math.max(trained, 1e-9),
  };
  mkdirSync(o.out, { recursive: true });
  await saveModel(model, o.out);
  writeFileSync(join(o.out, "train.json"), `${JSON.stringify(report, null, 2)}\n`);
  model.dispose();
  return report;
}
