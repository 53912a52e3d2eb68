/** `edgeq train`: trains a zoo model on a dataset and writes model.json, weights.bin, train.json. */
import { defineCommand } from "citty";
import { EdgeqError } from "../errors.js";

function num(v: unknown, name: string, int = false): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) {
    throw new EdgeqError(
      "cli-arg",
      `--${name} must be ${int ? "an integer" : "a number"}, got '${String(v)}'`,
    );
  }
  return n;
}

export default defineCommand({
  meta: {
    name: "train",
    description:
      "Train a float model (ds-cnn, mobilenet-v1, cifar-sep) on a dataset (samples/fashion-mnist, an IDX, CIFAR-10 binary or .npy directory); writes DIR/model.json, DIR/weights.bin, DIR/train.json",
  },
  args: {
    arch: { type: "string", description: "ds-cnn | mobilenet-v1 | cifar-sep", default: "ds-cnn" },
    data: { type: "string", description: "dataset directory", default: "samples/fashion-mnist" },
    epochs: { type: "string", description: "epochs", default: "5" },
    out: { type: "string", description: "output directory", default: "out/model" },
    seed: { type: "string", description: "seed (weights, shuffling, augmentation)", default: "1" },
    batch: { type: "string", description: "batch size", default: "64" },
    lr: { type: "string", description: "Adam learning rate", default: "0.003" },
    validation: {
      type: "string",
      description: "fraction of the training set held out for validation (0 = none)",
    },
    patience: { type: "string", description: "early stopping: epochs without improvement" },
    flip: { type: "boolean", description: "augment: random left-right flips" },
    shift: { type: "string", description: "augment: random shifts up to N pixels" },
    alpha: { type: "string", description: "mobilenet-v1 width multiplier" },
    "depth-multiplier": { type: "string", description: "mobilenet-v1 depth multiplier" },
    activation: { type: "string", description: "relu | relu6 (default: relu; relu6 for mobilenet-v1)" },
    "bn-momentum": { type: "string", description: "BatchNorm momentum (default 0.9)" },
    backend: { type: "string", description: "wasm (fast, default) | cpu (slow, reference)", default: "wasm" },
    limit: { type: "string", description: "train on at most N images per epoch" },
  },
  async run({ args }) {
    const { trainModel } = await import("../train/index.js");
    const activation = args.activation;
    if (activation !== undefined && activation !== "relu" && activation !== "relu6") {
      throw new EdgeqError("cli-arg", `--activation must be relu or relu6, got '${activation}'`);
    }
    if (args.backend !== "wasm" && args.backend !== "cpu") {
      throw new EdgeqError("cli-arg", `--backend must be wasm or cpu, got '${args.backend}'`);
    }
    const shift = num(args.shift, "shift", true);
    const r = await trainModel({
      arch: args.arch,
      data: args.data,
      epochs: num(args.epochs, "epochs", true) ?? 5,
      out: args.out,
      seed: num(args.seed, "seed", true),
      batchSize: num(args.batch, "batch", true),
      lr: num(args.lr, "lr"),
      validation: num(args.validation, "validation"),
      patience: num(args.patience, "patience", true),
      augment: args.flip || shift ? { flip: args.flip === true, shift } : undefined,
      alpha: num(args.alpha, "alpha"),
      depthMultiplier: num(args["depth-multiplier"], "depth-multiplier", true),
      activation,
      bnMomentum: num(args["bn-momentum"], "bn-momentum"),
      backend: args.backend,
      limit: num(args.limit, "limit", true),
      onEpoch: (e) => {
        const parts = [
          `epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, acc ${(e.accuracy * 100).toFixed(2)}%`,
          e.valAccuracy !== undefined ? `val ${(e.valAccuracy * 100).toFixed(2)}%` : "",
          e.testAccuracy !== undefined ? `test ${(e.testAccuracy * 100).toFixed(2)}%` : "",
          `${e.imagesPerSec.toFixed(0)} img/s, ${e.seconds.toFixed(1)} s`,
        ];
        process.stderr.write(`${parts.filter((p) => p).join(", ")}\n`);
      },
    });
    process.stdout.write(
      `${r.arch}: ${r.params} params, test accuracy ${(r.testAccuracy * 100).toFixed(2)}% after ${r.epochs.length} epochs, ${r.trainSeconds.toFixed(1)} s, ${r.imagesPerSec.toFixed(0)} img/s -> ${args.out}/model.json, weights.bin, train.json\n`,
    );
  },
});
