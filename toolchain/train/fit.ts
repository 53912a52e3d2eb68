/**
 * The fit loop: seeded shuffling, optional augmentation and validation split, a cli-progress
 * bar (epoch, step, loss, accuracy, images/s, ETA), early stopping, NaN/divergence detection,
 * and a per-epoch log (loss, accuracy, validation and test accuracy, images/s).
 */

import * as tf from "@tensorflow/tfjs";
import cliProgress from "cli-progress";
import { EdgeqError } from "../errors.js";
import { adam } from "./adam.js";
import type { Split } from "./data.js";
import { type Augment, augmentBatch, permutation, rng, take } from "./prep.js";

export interface FitOptions {
  epochs: number;
  batchSize?: number;
  /** Adam learning rate; default 0.003. */
  lr?: number;
  /** Learning-rate schedule over all steps: 'cosine' (default, decays to 2% of lr) or 'constant'. */
  schedule?: "cosine" | "constant";
  seed?: number;
  inputShape: [number, number, number];
  classes: number;
  val?: Split;
  test?: Split;
  augment?: Augment;
  /** Stop when the monitored value (val accuracy, else training loss) has not improved for this many epochs. */
  patience?: number;
  /** Show the progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  /**
   * After each epoch, re-estimate BatchNorm moving statistics as the plain average over this
   * many training batches ("precise BN"; default 16, 0 = off): with short runs the moving
   * averages lag the weights and test accuracy suffers.
   */
  bnBatches?: number;
  /** Only train on the first N images per epoch (quick runs, tests). */
  limit?: number;
  onEpoch?: (e: EpochLog) => void;
}

import type { EpochLog } from "./options.js";

export type { EpochLog } from "./options.js";

export interface FitResult {
  epochs: EpochLog[];
  stoppedEarly: boolean;
  seconds: number;
}

function oneHot(y: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(y.length * classes);
  for (let i = 0; i < y.length; i++) out[i * classes + y[i]!] = 1;
  return out;
}

/** Loss and accuracy of `model` on a split, in batches. */
export function evaluate(
  model: tf.LayersModel,
  s: Split,
  inputShape: [number, number, number],
  batch = 256,
): { loss: number; accuracy: number } {
  const per = inputShape[0] * inputShape[1] * inputShape[2];
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < s.n; i += batch) {
    const n = Math.min(batch, s.n - i);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(s.x.subarray(i * per, (i + n) * per), [n, ...inputShape]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    const k = probs.length / n;
    for (let j = 0; j < n; j++) {
      const label = s.y[i + j]!;
      let best = 0;
      for (let c = 1; c < k; c++) if (probs[j * k + c]! > probs[j * k + best]!) best = c;
      if (best === label) correct++;
      lossSum -= Math.log(Math.max(probs[j * k + label]!, 1e-7));
    }
  }
  return { loss: lossSum / s.n, accuracy: correct / s.n };
}

/** Checks a split for NaN / infinite values before training (clear message instead of divergence). */
function checkFinite(s: Split, per: number): void {
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i]!)) {
      throw new EdgeqError(
        "train-data",
        `training image ${Math.floor(i / per)} has a non-finite value (${s.x[i]}) at element ${i % per}; clean the data`,
        `image ${Math.floor(i / per)}`,
      );
    }
  }
}

/** True when every weight of the model is finite. */
function weightsFinite(model: tf.LayersModel): boolean {
  return tf.tidy(() => model.getWeights().every((w) => Number.isFinite(tf.sum(w).dataSync()[0]!)));
}

/**
 * Re-estimates the moving mean/variance of every BatchNormalization layer as the average of
 * per-batch statistics over `batches` training batches (forward passes in training mode).
 */
export function recalibrateBatchNorm(
  model: tf.LayersModel,
  s: Split,
  inputShape: [number, number, number],
  batches: number,
  batchSize: number,
  rand: () => number,
): void {
  const bns = model.layers.filter((l) => l.getClassName() === "BatchNormalization") as unknown as {
    momentum: number;
  }[];
  if (bns.length === 0 || batches <= 0) return;
  const per = inputShape[0] * inputShape[1] * inputShape[2];
  const saved = bns.map((l) => l.momentum);
  const order = permutation(s.n, rand);
  const k = Math.min(batches, Math.ceil(s.n / batchSize));
  try {
    for (let i = 0; i < k; i++) {
      for (const l of bns) l.momentum = i / (i + 1);
      const b = take(s, order.subarray(i * batchSize, Math.min(s.n, (i + 1) * batchSize)), per);
      tf.tidy(() => {
        model.apply(tf.tensor4d(b.x, [b.n, ...inputShape]), { training: true });
      });
    }
  } finally {
    bns.forEach((l, i) => {
      l.momentum = saved[i]!;
    });
  }
}

/** Trains `model` (any softmax classifier taking the dataset's images) on `train`. */
export async function fitModel(model: tf.LayersModel, train: Split, o: FitOptions): Promise<FitResult> {
  const batch = o.batchSize ?? 64;
  const lr = o.lr ?? 0.003;
  const seed = o.seed ?? 1;
  if (!(o.epochs >= 1) || !(batch >= 1) || !(lr > 0)) {
    throw new EdgeqError(
      "train-option",
      `epochs ${o.epochs}, batch ${batch}, lr ${lr}: need epochs >= 1, batch >= 1, lr > 0`,
    );
  }
  if (train.n === 0) throw new EdgeqError("train-data", "the training split is empty");
  const [h, w, c] = o.inputShape;
  const per = h * w * c;
  const optimizer = adam(lr);
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const cosine = (o.schedule ?? "cosine") === "cosine";
  checkFinite(train, per);
  const rand = rng(seed);
  const nTrain = Math.min(train.n, o.limit ?? train.n);
  const steps = Math.ceil(nTrain / batch);
  const showBar = o.progress ?? process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        "epoch {epoch}/{epochs} |{bar}| step {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const log: EpochLog[] = [];
  const t0 = performance.now();
  let best = Number.NEGATIVE_INFINITY;
  let bestWeights: tf.Tensor[] | undefined;
  let since = 0;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = permutation(train.n, rand).subarray(0, nTrain);
    const te = performance.now();
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    if (showBar) bar.start(steps, 0, { epoch, epochs: o.epochs, loss: "-", acc: "-", ips: "-" });
    for (let s = 0; s < steps; s++) {
      const idx = order.subarray(s * batch, Math.min(nTrain, (s + 1) * batch));
      const b = take(train, idx, per);
      if (o.augment && (o.augment.flip || (o.augment.shift ?? 0) > 0))
        augmentBatch(b.x, b.n, h, w, c, o.augment, rand);
      const xs = tf.tensor4d(b.x, [b.n, h, w, c]);
      const ys = tf.tensor2d(oneHot(b.y, o.classes), [b.n, o.classes]);
      if (cosine) {
        const t = ((epoch - 1) * steps + s) / (o.epochs * steps);
        (optimizer as unknown as { learningRate: number }).learningRate =
          lr * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t)));
      }
      const r = (await model.trainOnBatch(xs, ys)) as number[];
      tf.dispose([xs, ys]);
      const loss = r[0]!;
      const acc = r[1]!;
      if (!Number.isFinite(loss) || loss > 1e4) {
        if (showBar) bar.stop();
        throw new EdgeqError(
          "train-diverged",
          `training diverged at epoch ${epoch} step ${s + 1}: loss is ${loss}; lower the learning rate (now ${lr}, try ${lr / 10}) or check the data for NaN`,
          `epoch ${epoch} step ${s + 1}`,
        );
      }
      lossSum += loss * b.n;
      accSum += acc * b.n;
      seen += b.n;
      if (showBar) {
        const ips = seen / ((performance.now() - te) / 1000);
        bar.update(s + 1, {
          loss: (lossSum / seen).toFixed(4),
          acc: (accSum / seen).toFixed(4),
          ips: ips.toFixed(0),
        });
      }
    }
    const seconds = (performance.now() - te) / 1000;
    if (showBar) bar.stop();
    if (!weightsFinite(model)) {
      throw new EdgeqError(
        "train-diverged",
        `training diverged in epoch ${epoch}: weights are no longer finite; lower the learning rate (now ${lr}, try ${lr / 10})`,
        `epoch ${epoch}`,
      );
    }
    recalibrateBatchNorm(model, train, o.inputShape, o.bnBatches ?? 16, 128, rand);
    const e: EpochLog = {
      epoch,
      loss: lossSum / seen,
      accuracy: accSum / seen,
      imagesPerSec: seen / seconds,
      seconds,
    };
    if (o.val) {
      const v = evaluate(model, o.val, o.inputShape);
      e.valLoss = v.loss;
      e.valAccuracy = v.accuracy;
    }
    if (o.test) e.testAccuracy = evaluate(model, o.test, o.inputShape).accuracy;
    log.push(e);
    o.onEpoch?.(e);
    if (o.patience !== undefined) {
      const score = e.valAccuracy ?? -e.loss;
      if (score > best) {
        best = score;
        since = 0;
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((t) => t.clone());
      } else if (++since >= o.patience) {
        stoppedEarly = true;
        break;
      }
    }
  }
  if (bestWeights) {
    if (stoppedEarly) model.setWeights(bestWeights);
    tf.dispose(bestWeights);
  }
  return { epochs: log, stoppedEarly, seconds: (performance.now() - t0) / 1000 };
}
