/** Test helpers: small tfjs LayersModels (cpu backend) saved as model.json + weights.bin. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";

await tf.setBackend("cpu");

export { tf };

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces every weight by seeded random values (variances positive), so BN is not identity. */
export function randomizeWeights(m: tf.LayersModel, seed: number): void {
  const r = rng(seed);
  const ws = m.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const isVar = w.name.includes("moving_variance");
    const isGamma = w.name.includes("gamma");
    for (let i = 0; i < n; i++)
      v[i] = isVar
        ? 0.2 + r() * 2
        : isGamma
          ? 0.5 + r()
          : (r() - 0.5) * (w.name.includes("bias") ? 0.4 : 0.9);
    return tf.tensor(v, shape);
  });
  m.setWeights(ws);
}

/** Saves a model as dir/model.json + dir/weights.bin (the tfjs file layout); returns the json path. */
export async function saveModel(m: tf.LayersModel, dir?: string): Promise<string> {
  const d = dir ?? mkdtempSync(join(tmpdir(), "edgeq-import-"));
  mkdirSync(d, { recursive: true });
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      const json = {
        modelTopology: a.modelTopology,
        format: "layers-model",
        generatedBy: "test",
        weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }],
      };
      writeFileSync(join(d, "model.json"), JSON.stringify(json));
      const wd = a.weightData as ArrayBuffer;
      writeFileSync(join(d, "weights.bin"), new Uint8Array(wd));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return join(d, "model.json");
}

/** Random inputs in [0, 1) of the model's input shape (batch 1), `n` of them. */
export function randomInputs(shape: number[], n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => Float32Array.from({ length: size }, () => r()));
}

/** tfjs's own prediction for one input (batch 1). */
export function predict(m: tf.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const y = m.predict(tf.tensor(x, [1, ...shape])) as tf.Tensor;
    return y.dataSync() as Float32Array;
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return a.length === b.length ? m : Number.POSITIVE_INFINITY;
}
