import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { runFloat } from "../../toolchain/exec/float.js";
import { importModel } from "../../toolchain/import/index.js";
import { maxAbsDiff, predict, randomInputs, randomizeWeights, saveModel, tf } from "./tfjs-models.js";

async function check(
  m: tf.LayersModel,
  shape: number[],
  seed: number,
): Promise<{ diff: number; ops: string[] }> {
  randomizeWeights(m, seed);
  const path = await saveModel(m);
  const g = await importModel(path);
  let diff = 0;
  for (const x of randomInputs(shape, 3, seed + 1)) {
    const want = predict(m, x, shape);
    const got = runFloat(g, [x]).outputs[0]!;
    diff = Math.max(diff, maxAbsDiff(got, want) / Math.max(1, ...Array.from(want, Math.abs)));
  }
  return { diff, ops: g.ops.map((o) => o.type) };
}

describe("import tfjs LayersModel -> IR, float executor matches tfjs predict", () => {
  it("conv k=3 s=2 pad=same + BN + relu6, dwconv k=3 mult=2 pad=same, separable k=3 mult=2 pad=valid, maxpool, GAP, dense softmax", async () => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, strides: 2, padding: "same" }),
    );
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.reLU({ maxValue: 6 }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same" }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.activation({ activation: "relu" }));
    m.add(
      tf.layers.separableConv2d({
        filters: 6,
        kernelSize: 3,
        depthMultiplier: 2,
        padding: "valid",
        activation: "relu",
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: "same" }));
    m.add(tf.layers.globalAveragePooling2d({}));
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.dense({ units: 5, activation: "softmax" }));
    const r = await check(m, [12, 12, 3], 1);
    expect(r.diff).toBeLessThan(1e-5);
    expect(r.ops).toEqual([
      "CONV_2D",
      "DEPTHWISE_CONV_2D",
      "DEPTHWISE_CONV_2D",
      "CONV_2D",
      "MAX_POOL_2D",
      "AVERAGE_POOL_2D",
      "FULLY_CONNECTED",
      "SOFTMAX",
    ]);
  });

  it("conv k=5 s=1 pad=valid relu, avgpool k=3 s=2 pad=same, conv k=1, flatten, dense relu, dense linear", async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [11, 9, 2], filters: 4, kernelSize: 5, activation: "relu" }));
    m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" }));
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 7, activation: "relu" }));
    m.add(tf.layers.dense({ units: 4 }));
    const r = await check(m, [11, 9, 2], 2);
    expect(r.diff).toBeLessThan(1e-5);
  });

  it("functional: zeropad (1,2), conv s=2, add residual, concatenate, reshape, dense softmax", async () => {
    const inp = tf.input({ shape: [8, 8, 4] });
    const p = tf.layers
      .zeroPadding2d({
        padding: [
          [1, 2],
          [2, 1],
        ],
      })
      .apply(inp) as tf.SymbolicTensor;
    const c1 = tf.layers
      .conv2d({ filters: 4, kernelSize: 4, activation: "relu" })
      .apply(p) as tf.SymbolicTensor;
    const a = tf.layers.add().apply([c1, inp]) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization().apply(a) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ axis: -1 }).apply([bn, inp]) as tf.SymbolicTensor;
    const rs = tf.layers.reshape({ targetShape: [64, 8] }).apply(cat) as tf.SymbolicTensor;
    const f = tf.layers.flatten().apply(rs) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: "softmax" }).apply(f) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    const r = await check(m, [8, 8, 4], 3);
    expect(r.diff).toBeLessThan(1e-5);
    expect(r.ops).toContain("PAD");
    expect(r.ops).toContain("CONCATENATION");
  });

  it("conv k=3 dil=2 pad=same and pad=valid, dwconv k=3 s=2 pad=same", async () => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({
        inputShape: [10, 10, 2],
        filters: 3,
        kernelSize: 3,
        dilationRate: 2,
        padding: "same",
      }),
    );
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: "valid" }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "same" }));
    const r = await check(m, [10, 10, 2], 6);
    expect(r.diff).toBeLessThan(1e-5);
  });

  it("dwconv dil=2 from tfjs-layers (which ignores it) -> warning, imported as tfjs runs it", async () => {
    const m = tf.sequential();
    m.add(
      tf.layers.depthwiseConv2d({ inputShape: [6, 6, 3], kernelSize: 3, dilationRate: 2, padding: "valid" }),
    );
    randomizeWeights(m, 7);
    const warnings: string[] = [];
    const g = await importModel(await saveModel(m), { onWarning: (w) => warnings.push(w) });
    expect(warnings.join()).toMatch(/ignores DepthwiseConv2D dilation_rate/);
    const [x] = randomInputs([6, 6, 3], 1, 8);
    expect(maxAbsDiff(runFloat(g, [x!]).outputs[0]!, predict(m, x!, [6, 6, 3]))).toBeLessThan(1e-5);
  });

  it("BN folded: raw graph keeps MUL+ADD, folded graph has none and the same outputs", async () => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 5, kernelSize: 3, padding: "same", useBias: false }),
    );
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.reLU());
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same" }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3 }));
    randomizeWeights(m, 4);
    const path = await saveModel(m);
    const raw = await importModel(path, { raw: true });
    const g = await importModel(path);
    expect(raw.ops.filter((o) => o.type === "MUL" || o.type === "ADD").length).toBe(4);
    // the flatten RESHAPE is dropped: FULLY_CONNECTED flattens its input itself
    expect(g.ops.map((o) => o.type)).toEqual(["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]);
    expect(g.ops[0]!.options).toMatchObject({ activation: "RELU" });
    const [x] = randomInputs([6, 6, 2], 1, 5);
    expect(maxAbsDiff(runFloat(g, [x!]).outputs[0]!, runFloat(raw, [x!]).outputs[0]!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(runFloat(g, [x!]).outputs[0]!, predict(m, x!, [6, 6, 2]))).toBeLessThan(1e-5);
  });

  it("unsupported layer upSampling2d -> EdgeqError naming the layer, its class and the supported list", async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1, name: "c1" }));
    m.add(tf.layers.upSampling2d({ size: [2, 2], name: "up" }));
    const path = await saveModel(m);
    const e = await importModel(path).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EdgeqError);
    expect(String((e as Error).message)).toMatch(/layer 'up' \(UpSampling2D\).*supported: .*DepthwiseConv2D/);
  });

  it("model.json says filters=5 but weights hold 4 -> EdgeqError naming layer and weight", async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 4, kernelSize: 3, name: "c1" }));
    const path = await saveModel(m);
    const { readFileSync, writeFileSync } = await import("node:fs");
    writeFileSync(path, readFileSync(path, "utf8").replace('"filters":4', '"filters":5'));
    await expect(importModel(path)).rejects.toThrow(
      /layer 'c1' \(Conv2D\): weight 'kernel' has 36 values .* needs 45/,
    );
  });

  it("Keras 3 style functional model.json (batch_shape, args/keras_history inbound nodes): dense 3->2 + add residual", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const kt = (n: string) => ({ class_name: "__keras_tensor__", config: { keras_history: [n, 0, 0] } });
    const topo = {
      class_name: "Functional",
      config: {
        name: "k3",
        layers: [
          {
            class_name: "InputLayer",
            name: "inp",
            config: { name: "inp", batch_shape: [null, 2] },
            inbound_nodes: [],
          },
          {
            class_name: "Dense",
            name: "d",
            config: { name: "d", units: 2, activation: "relu", use_bias: true },
            inbound_nodes: [{ args: [kt("inp")], kwargs: {} }],
          },
          {
            class_name: "Add",
            name: "sum",
            config: { name: "sum" },
            inbound_nodes: [{ args: [[kt("d"), kt("inp")]], kwargs: {} }],
          },
        ],
        input_layers: [["inp", 0, 0]],
        output_layers: [["sum", 0, 0]],
      },
      keras_version: "3.1.0",
    };
    const dir = mkdtempSync(join(tmpdir(), "edgeq-k3-"));
    const json = {
      modelTopology: topo,
      weightsManifest: [
        {
          paths: ["w.bin"],
          weights: [
            { name: "d/kernel", shape: [2, 2], dtype: "float32" },
            { name: "d/bias", shape: [2], dtype: "float32" },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    // kernel [in, out] = [[1, 2], [3, -4]], bias [0.5, 0]
    writeFileSync(join(dir, "w.bin"), new Uint8Array(new Float32Array([1, 2, 3, -4, 0.5, 0]).buffer));
    const g = await importModel(join(dir, "model.json"));
    const y = runFloat(g, [new Float32Array([1, 1])]).outputs[0]!;
    // d = relu([1*1 + 1*3 + 0.5, 1*2 + 1*-4 + 0]) = [4.5, 0]; sum = d + inp = [5.5, 1]
    expect(Array.from(y)).toEqual([5.5, 1]);
  });

  it("missing weights.bin -> EdgeqError saying which file is missing", async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [3], units: 2 }));
    const path = await saveModel(m);
    const { rmSync } = await import("node:fs");
    rmSync(path.replace("model.json", "weights.bin"));
    await expect(importModel(path)).rejects.toThrow(/weights.bin.*missing/);
  });
});
