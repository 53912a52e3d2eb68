/**
 * The fused training BatchNormalization (wasm) against tfjs-layers' stock BatchNormalization on
 * the cpu backend: same outputs, same gradients for x, gamma, beta, same moving statistics.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../toolchain/train/backend.js";
import { FastBatchNormalization } from "../../toolchain/train/batchnorm.js";

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 4 - 1;
  });
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("fused BatchNormalization (wasm) vs stock (cpu)", () => {
  for (const shape of [
    [4, 6, 6, 8],
    [2, 3, 5, 3],
    [16, 10],
  ]) {
    it(`training step shape=[${shape}] momentum=0.9: y, dx, dgamma, dbeta, moving mean/var`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const c = shape[shape.length - 1]!;
      const xs = rand(n, 3);
      const dys = rand(n, 5);
      const step = async (backend: "cpu" | "wasm") => {
        await tf.setBackend(backend);
        const layer =
          backend === "wasm"
            ? new FastBatchNormalization({ momentum: 0.9, epsilon: 1e-3 })
            : tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
        layer.build(shape);
        layer.setWeights([
          tf.tensor1d(rand(c, 7).map((v) => v + 1.5)),
          tf.tensor1d(rand(c, 9)),
          tf.zeros([c]),
          tf.ones([c]),
        ]);
        const x = tf.tensor(xs, shape);
        const dy = tf.tensor(dys, shape);
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => {
          const y = layer.apply(x, { training: true }) as tf.Tensor;
          return tf.sum(tf.mul(y, dy)) as tf.Scalar;
        }, vars as tf.Variable[]);
        const dx = tf.grad((xi: tf.Tensor) =>
          tf.sum(tf.mul(layer.apply(xi, { training: true }) as tf.Tensor, dy)),
        )(x);
        const out = [
          (layer.apply(x, { training: true }) as tf.Tensor).dataSync(),
          dx.dataSync(),
          ...vars.map((v) => grads[v.name]!.dataSync()),
          ...layer
            .getWeights()
            .slice(2)
            .map((w) => w.dataSync()),
        ].map((a) => Float32Array.from(a as Float32Array));
        value.dispose();
        const prof = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
        if (backend === "wasm") expect(prof.kernelNames).toContain("EdgeqBatchNormTrain");
        return out;
      };
      const got = await step("wasm");
      const ref = await step("cpu");
      expect(got).toHaveLength(6);
      for (let i = 0; i < ref.length; i++)
        expect(relErr(got[i]!, ref[i]!), `output ${i}`).toBeLessThanOrEqual(1e-5);
    });
  }
});
