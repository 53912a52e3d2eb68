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
import { adam, dsCnn, initBackend, loadDataset } from "../toolchain/train/index.js";
import type { BenchResult } from "./run.js";

interface Config {
  name: string;
  backend: "cpu" | "wasm";
  kernels: "fast" | "naive";
  batch: number;
  steps: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Images per wall-clock second and per CPU second of this process (the machine may be shared). */
async function measure(c: Config, x: Float32Array, y: Int32Array): Promise<{ wall: number; cpu: number }> {
  await initBackend(c.backend, c.kernels);
  const model = dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 1 });
  model.compile({ optimizer: adam(0.003), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
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
  const c0 = cpuMs();
  for (let s = 1; s <= c.steps; s++) {
    const [xs, ys] = batchAt(s);
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  }
  const images = c.steps * c.batch;
  const wall = images / ((performance.now() - t0) / 1000);
  const cpu = images / ((cpuMs() - c0) / 1000);
  model.dispose();
  return { wall, cpu };
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
  type Speed = { wall: number; cpu: number };
  const ips: Record<string, Speed> = {};
  for (const c of configs) ips[c.name] = await measure(c, ds.train.x, ds.train.y);
  const load1 = loadavg()[0]!;
  const [cpu, naive, fast] = configs.map((c) => ips[c.name]!) as [Speed, Speed, Speed];
  const lines = [
    `DS-CNN 28x28x1 training (load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on this 2-core machine):`,
    `  ${"".padEnd(48)} ${"img/s".padStart(8)} ${"img/cpu-s".padStart(10)}`,
    ...configs.map(
      (c) =>
        `  ${c.name.padEnd(48)} ${ips[c.name]!.wall.toFixed(1).padStart(8)} ${ips[c.name]!.cpu.toFixed(1).padStart(10)}  (batch ${c.batch}, ${c.steps} steps)`,
    ),
    `  edgeq vs stock cpu:                 ${(fast.wall / cpu.wall).toFixed(1)}x wall, ${(fast.cpu / cpu.cpu).toFixed(1)}x cpu`,
    `  edgeq vs wasm + plain-JS gradients: ${(fast.wall / naive.wall).toFixed(1)}x wall, ${(fast.cpu / naive.cpu).toFixed(1)}x cpu`,
    "  img/cpu-s = images per CPU-second of this process (robust to other load; wasm here is single-threaded)",
  ];
  await initBackend("wasm", "fast");
  return {
    name: "train",
    lines,
    data: {
      imagesPerSec: ips,
      fastVsCpu: fast.wall / cpu.wall,
      fastVsNaive: fast.wall / naive.wall,
      fastVsCpuCpuTime: fast.cpu / cpu.cpu,
      fastVsNaiveCpuTime: fast.cpu / naive.cpu,
      loadavg: [load0, load1],
    },
  };
}
