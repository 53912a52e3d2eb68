/**
 * Training speed of the DS-CNN (28x28x1, ~10k params, ~0.55 MMAC) on Fashion-MNIST images:
 * stock tfjs-backend-cpu vs tfjs-backend-wasm + plain-JS gradient kernels (the three missing
 * kernels as straightforward loops, stock kernels for the rest) vs edgeq's kernels (gradient
 * kernels through wasm matmul, fused BatchNorm, fast Tile / Conv2DBackpropInput).
 * Images/s from trainOnBatch, after a warm-up step, all in one run. The machine may be shared:
 * the load average is printed with the numbers.
 *
 *   npm run bench train
 */
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { dsCnn, initBackend, loadDataset } from "../toolchain/train/index.js";
import type { BenchResult } from "./run.js";

interface Config {
  name: string;
  backend: "cpu" | "wasm";
  kernels: "fast" | "naive";
  batch: number;
  steps: number;
}

async function measure(c: Config, x: Float32Array, y: Int32Array): Promise<number> {
  await initBackend(c.backend, c.kernels);
  const model = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
  model.compile({ optimizer: tf.train.adam(0.003), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const batchAt = (i: number) => {
    const off = (i * c.batch) % (y.length - c.batch);
    const xs = tf.tensor4d(x.subarray(off * 784, (off + c.batch) * 784), [c.batch, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(y.subarray(off, off + c.batch), "int32"), 10).toFloat();
    return [xs, ys] as const;
  };
  const [wx, wy] = batchAt(0);
  await model.trainOnBatch(wx, wy);
  tf.dispose([wx, wy]);
  const t0 = performance.now();
  for (let s = 1; s <= c.steps; s++) {
    const [xs, ys] = batchAt(s);
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  }
  const ips = (c.steps * c.batch) / ((performance.now() - t0) / 1000);
  model.dispose();
  return ips;
}

export default async function (): Promise<BenchResult> {
  const ds = await loadDataset("samples/fashion-mnist");
  const configs: Config[] = [
    { name: "tfjs-backend-cpu (stock)", backend: "cpu", kernels: "fast", batch: 32, steps: 2 },
    {
      name: "tfjs-backend-wasm + plain-JS gradient kernels",
      backend: "wasm",
      kernels: "naive",
      batch: 64,
      steps: 6,
    },
    { name: "tfjs-backend-wasm + edgeq kernels", backend: "wasm", kernels: "fast", batch: 64, steps: 30 },
  ];
  const load0 = loadavg()[0]!;
  const ips: Record<string, number> = {};
  for (const c of configs) ips[c.name] = await measure(c, ds.train.x, ds.train.y);
  const load1 = loadavg()[0]!;
  const cpu = ips[configs[0]!.name]!;
  const naive = ips[configs[1]!.name]!;
  const fast = ips[configs[2]!.name]!;
  const lines = [
    `DS-CNN 28x28x1 training, images/s (load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on this 2-core machine):`,
    ...configs.map(
      (c) =>
        `  ${c.name.padEnd(48)} ${ips[c.name]!.toFixed(1).padStart(8)} img/s  (batch ${c.batch}, ${c.steps} steps)`,
    ),
    `  edgeq vs stock cpu:                 ${(fast / cpu).toFixed(1)}x`,
    `  edgeq vs wasm + plain-JS gradients: ${(fast / naive).toFixed(1)}x`,
  ];
  await initBackend("wasm", "fast");
  return {
    name: "train",
    lines,
    data: { imagesPerSec: ips, fastVsCpu: fast / cpu, fastVsNaive: fast / naive, loadavg: [load0, load1] },
  };
}
