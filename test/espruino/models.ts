/**
 * Models for the runs on the real Espruino interpreter: the DS-CNN `npm run demo` trains (zoo
 * ds-cnn, 28x28x1 Fashion-MNIST shape, 10 classes: conv 3x3/2 24, four dw+pw blocks, GAP, dense
 * softmax; 0.81 MMAC) with seeded random weights and BatchNorm statistics instead of trained ones,
 * quantized by the toolchain as the demo does (per-channel int8), and a seeded int8 input for it.
 */
import { importModel } from "../../toolchain/import/index.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { dsCnn } from "../../toolchain/train/zoo.js";
import { randomizeWeights, rng, saveModel } from "../import/tfjs-models.js";
import { pixelInputs } from "../quantize/helpers.js";

/** The demo's DS-CNN (28x28x1 -> 10) with seeded random weights, quantized to int8; .tflite bytes. */
export async function demoDsCnn(seed = 5): Promise<Uint8Array> {
  const m = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed });
  randomizeWeights(m, seed + 100);
  const f = await importModel(await saveModel(m));
  return writeTflite(quantize(f, pixelInputs([28, 28, 1], 8, seed), { biasCorrection: false }));
}

/** `n` seeded random bytes (a raw int8 input). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return new Uint8Array(n).map(() => Math.floor(r() * 256));
}
