/**
 * file:// save/load routers: a Keras-style model.json (as the tensorflowjs converter writes it:
 * snake_case config, Keras 2 BN axis list, two weight shards) with SeparableConv2D and
 * DepthwiseConv2D layers loads, predicts with the stored weights, trains, saves and reloads.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import {
  fitModel,
  initBackend,
  loadDataset,
  loadModel,
  registerFileRouters,
  saveModel,
} from "../../toolchain/train/index.js";

const init = (seed: number | null) => ({ class_name: "GlorotUniform", config: { seed } });
const conv = {
  trainable: true,
  dtype: "float32",
  padding: "same",
  data_format: "channels_last",
  dilation_rate: [1, 1],
  activation: "linear",
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
  bias_initializer: { class_name: "Zeros", config: {} },
};
const bn = (name: string) => ({
  class_name: "BatchNormalization",
  config: {
    name,
    trainable: true,
    dtype: "float32",
    axis: [3],
    momentum: 0.9,
    epsilon: 0.001,
    center: true,
    scale: true,
    beta_initializer: { class_name: "Zeros", config: {} },
    gamma_initializer: { class_name: "Ones", config: {} },
    moving_mean_initializer: { class_name: "Zeros", config: {} },
    moving_variance_initializer: { class_name: "Ones", config: {} },
    beta_regularizer: null,
    gamma_regularizer: null,
    beta_constraint: null,
    gamma_constraint: null,
  },
});

/** The Keras model: 28x28x1 -> conv 8 -> BN -> relu -> dw 3x3/2 -> sep 16 -> BN -> relu -> GAP -> dense 10. */
function kerasModelJson(): { json: object; weights: { name: string; shape: number[] }[] } {
  const layers = [
    {
      class_name: "InputLayer",
      config: {
        batch_input_shape: [null, 28, 28, 1],
        dtype: "float32",
        sparse: false,
        ragged: false,
        name: "input_1",
      },
    },
    {
      class_name: "Conv2D",
      config: {
        ...conv,
        name: "conv2d",
        filters: 8,
        kernel_size: [3, 3],
        strides: [1, 1],
        groups: 1,
        use_bias: false,
        kernel_initializer: init(null),
      },
    },
    bn("batch_normalization"),
    {
      class_name: "Activation",
      config: { name: "activation", trainable: true, dtype: "float32", activation: "relu" },
    },
    {
      class_name: "DepthwiseConv2D",
      config: {
        ...conv,
        name: "depthwise_conv2d",
        kernel_size: [3, 3],
        strides: [2, 2],
        depth_multiplier: 1,
        use_bias: true,
        depthwise_initializer: init(null),
        depthwise_regularizer: null,
        depthwise_constraint: null,
      },
    },
    {
      class_name: "SeparableConv2D",
      config: {
        ...conv,
        name: "separable_conv2d",
        filters: 16,
        kernel_size: [3, 3],
        strides: [1, 1],
        depth_multiplier: 1,
        use_bias: true,
        depthwise_initializer: init(null),
        pointwise_initializer: init(null),
        depthwise_regularizer: null,
        pointwise_regularizer: null,
        depthwise_constraint: null,
        pointwise_constraint: null,
      },
    },
    bn("batch_normalization_1"),
    {
      class_name: "ReLU",
      config: {
        name: "re_lu",
        trainable: true,
        dtype: "float32",
        max_value: 6.0,
        negative_slope: 0.0,
        threshold: 0.0,
      },
    },
    {
      class_name: "GlobalAveragePooling2D",
      config: {
        name: "global_average_pooling2d",
        trainable: true,
        dtype: "float32",
        data_format: "channels_last",
        keepdims: false,
      },
    },
    {
      class_name: "Dense",
      config: {
        name: "dense",
        trainable: true,
        dtype: "float32",
        units: 10,
        activation: "softmax",
        use_bias: true,
        kernel_initializer: init(null),
        bias_initializer: { class_name: "Zeros", config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    },
  ];
  const bnW = (n: string, c: number) =>
    ["gamma", "beta", "moving_mean", "moving_variance"].map((w) => ({ name: `${n}/${w}`, shape: [c] }));
  const weights = [
    { name: "conv2d/kernel", shape: [3, 3, 1, 8] },
    ...bnW("batch_normalization", 8),
    { name: "depthwise_conv2d/depthwise_kernel", shape: [3, 3, 8, 1] },
    { name: "depthwise_conv2d/bias", shape: [8] },
    { name: "separable_conv2d/depthwise_kernel", shape: [3, 3, 8, 1] },
    { name: "separable_conv2d/pointwise_kernel", shape: [1, 1, 8, 16] },
    { name: "separable_conv2d/bias", shape: [16] },
    ...bnW("batch_normalization_1", 16),
    { name: "dense/kernel", shape: [16, 10] },
    { name: "dense/bias", shape: [10] },
  ];
  const json = {
    format: "layers-model",
    generatedBy: "keras v2.13.1",
    convertedBy: "TensorFlow.js Converter v4.22.0",
    modelTopology: {
      keras_version: "2.13.1",
      backend: "tensorflow",
      model_config: { class_name: "Sequential", config: { name: "sequential", layers } },
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
        weights: weights.map((w) => ({ ...w, dtype: "float32" })),
      },
    ],
  };
  return { json, weights };
}

function values(n: number, seed: number, name: string): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    const r = s / 2147483647;
    if (name.endsWith("moving_variance") || name.endsWith("gamma")) return 0.5 + r;
    return (r - 0.5) * 0.6;
  });
}

beforeAll(async () => {
  await initBackend("wasm");
  registerFileRouters();
});

describe("file:// routers and Keras-style model.json", () => {
  it("Keras model.json with SeparableConv2D + DepthwiseConv2D, 2 weight shards: loads with the stored weights, trains 1 epoch on 320 images, saves, reloads identically", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-keras-"));
    const { json, weights } = kerasModelJson();
    const arrays = weights.map((w, i) =>
      values(
        w.shape.reduce((a, b) => a * b, 1),
        i + 1,
        w.name,
      ),
    );
    const all = new Uint8Array(arrays.reduce((a, v) => a + v.byteLength, 0));
    let at = 0;
    for (const a of arrays) {
      all.set(new Uint8Array(a.buffer), at);
      at += a.byteLength;
    }
    const cut = 1000; // shards split mid-tensor, as the converter does
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    writeFileSync(join(dir, "group1-shard1of2.bin"), all.subarray(0, cut));
    writeFileSync(join(dir, "group1-shard2of2.bin"), all.subarray(cut));

    const model = await tf.loadLayersModel(`file://${join(dir, "model.json")}`);
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes).toContain("SeparableConv2D");
    expect(classes).toContain("DepthwiseConv2D");
    const sep = model.getLayer("separable_conv2d").getWeights();
    expect(Array.from(sep[1]!.dataSync())).toEqual(Array.from(arrays[8]!));

    const ds = await loadDataset("samples/fashion-mnist");
    const train = { x: ds.train.x.subarray(0, 320 * 784), y: ds.train.y.subarray(0, 320), n: 320 };
    const before = Float32Array.from(model.getLayer("separable_conv2d").getWeights()[1]!.dataSync());
    const r = await fitModel(model, train, {
      epochs: 1,
      batchSize: 32,
      inputShape: [28, 28, 1],
      classes: 10,
      progress: false,
    });
    expect(r.epochs).toHaveLength(1);
    expect(Number.isFinite(r.epochs[0]!.loss)).toBe(true);
    const after = model.getLayer("separable_conv2d").getWeights()[1]!.dataSync();
    let moved = 0;
    for (let i = 0; i < before.length; i++) moved = Math.max(moved, Math.abs(after[i]! - before[i]!));
    expect(moved).toBeGreaterThan(1e-4);

    const out = join(dir, "saved");
    await model.save(`file://${out}`);
    const again = await loadModel(out);
    const x = tf.tensor4d(ds.test.x.subarray(0, 8 * 784), [8, 28, 28, 1]);
    const p1 = (model.predict(x) as tf.Tensor).dataSync();
    const p2 = (again.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(p2)).toEqual(Array.from(p1));
  });

  it("saveModel writes model.json + weights.bin in the tfjs layers format", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-save-"));
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
    await saveModel(m, dir);
    const back = await tf.loadLayersModel(`file://${dir}/model.json`);
    expect(back.getWeights()[0]!.shape).toEqual([4, 3]);
    expect(Array.from(back.getWeights()[0]!.dataSync())).toEqual(Array.from(m.getWeights()[0]!.dataSync()));
  });

  it("bad input: missing model.json, missing shard, bad JSON name the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-bad-"));
    await expect(loadModel(join(dir, "model.json"))).rejects.toThrow(/model\.json does not exist/);
    writeFileSync(join(dir, "model.json"), "{not json");
    await expect(loadModel(dir)).rejects.toThrow(/is not valid JSON/);
    const { json } = kerasModelJson();
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    const e = await loadModel(dir).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EdgeqError);
    expect(String((e as Error).message)).toMatch(/group1-shard1of2\.bin named in .*model\.json is missing/);
  });
});
