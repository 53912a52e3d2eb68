/**
 * The zoo: shapes, sizes and one training step of each architecture on the wasm backend with
 * edgeq's kernels (SeparableConv2D and depth multiplier > 1 go through them too).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { buildModel, cifarSepCnn, dsCnn, initBackend, mobilenetV1 } from "../../toolchain/train/index.js";

function count(m: tf.LayersModel, cls: string): number {
  return m.layers.filter((l) => l.getClassName() === cls).length;
}

async function oneStep(m: tf.LayersModel, shape: [number, number, number], classes: number): Promise<number> {
  m.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
  const n = 8;
  const x = tf.randomUniform([n, ...shape], 0, 1, "float32", 3);
  const y = tf
    .oneHot(
      tf.tensor1d(
        [0, 1, 2, 3, 4, 5, 6, 7].map((v) => v % classes),
        "int32",
      ),
      classes,
    )
    .toFloat();
  const loss = (await m.trainOnBatch(x, y)) as number;
  tf.dispose([x, y]);
  return loss;
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("zoo", () => {
  it("ds-cnn 28x28x1 10 classes: conv + 4 separable blocks, 8k-30k params, softmax [null,10]", async () => {
    const m = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
    expect(m.countParams()).toBeGreaterThan(8000);
    expect(m.countParams()).toBeLessThan(30000);
    expect(count(m, "DepthwiseConv2D")).toBe(4);
    expect(count(m, "Conv2D")).toBe(5);
    expect(count(m, "BatchNormalization")).toBe(9);
    expect(count(m, "GlobalAveragePooling2D")).toBe(1);
    expect(m.outputs[0]!.shape).toEqual([null, 10]);
    expect(Number.isFinite(await oneStep(m, [28, 28, 1], 10))).toBe(true);
  });

  it("mobilenet-v1 alpha=0.25 depth-multiplier=2 32x32x3 5 classes: 13 depthwise layers, relu6, trains", async () => {
    const m = mobilenetV1({ inputShape: [32, 32, 3], classes: 5, alpha: 0.25, depthMultiplier: 2, seed: 1 });
    expect(count(m, "DepthwiseConv2D")).toBe(13);
    const relu = m.getLayer("conv0_relu").getConfig();
    expect(relu.maxValue).toBe(6);
    expect(m.getLayer("block13_pw_conv").getWeights()[0]!.shape).toEqual([1, 1, 512, 256]);
    expect(Number.isFinite(await oneStep(m, [32, 32, 3], 5))).toBe(true);
  });

  it("cifar-sep 32x32x3 10 classes: 4 SeparableConv2D layers, trains", async () => {
    const m = cifarSepCnn({ inputShape: [32, 32, 3], classes: 10, seed: 1 });
    expect(count(m, "SeparableConv2D")).toBe(4);
    expect(Number.isFinite(await oneStep(m, [32, 32, 3], 10))).toBe(true);
  });

  it("ds-cnn training steps on wasm leak no tensors or wasm buffers (steps 2 and 4 hold the same counts)", async () => {
    const m = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
    m.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
    const x = tf.randomUniform([16, 28, 28, 1], 0, 1, "float32", 5);
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 16 }, (_, i) => i % 10),
          "int32",
        ),
        10,
      )
      .toFloat();
    const counts: [number, number][] = [];
    for (let s = 0; s < 4; s++) {
      await m.trainOnBatch(x, y);
      counts.push([tf.memory().numTensors, tf.engine().backend.numDataIds()]);
    }
    expect(counts[3]).toEqual(counts[1]);
    tf.dispose([x, y]);
    m.dispose();
  });

  it("same seed, same initial weights; unknown arch is an EdgeqError", () => {
    const a = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 5 })
      .getWeights()[0]!
      .dataSync();
    const b = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 5 })
      .getWeights()[0]!
      .dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => buildModel("resnet", { inputShape: [28, 28, 1], classes: 10 })).toThrow(EdgeqError);
  });
});
