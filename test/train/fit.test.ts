/**
 * The fit loop and `edgeq train`: seeded runs repeat exactly, divergence (NaN data) stops with
 * an EdgeqError, augmentation moves pixels, and the CLI writes model.json, weights.bin and
 * train.json for 1 epoch on a few hundred images.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import {
  augmentBatch,
  dsCnn,
  fitModel,
  initBackend,
  loadDataset,
  rng,
  type Split,
  validationSplit,
} from "../../toolchain/train/index.js";

let train: Split;
const tiny = (seed: number) =>
  dsCnn({
    inputShape: [28, 28, 1],
    classes: 10,
    seed,
    first: { filters: 8, kernel: 3, stride: 2 },
    blocks: [{ filters: 16, stride: 2 }],
  });

beforeAll(async () => {
  await initBackend("wasm");
  const ds = await loadDataset("samples/fashion-mnist");
  train = { x: ds.train.x.subarray(0, 256 * 784), y: ds.train.y.subarray(0, 256), n: 256 };
});

describe("fitModel", () => {
  it("tiny ds-cnn seed=7 batch=32 epochs=2 on 256 images: two runs give identical weights and losses", async () => {
    const run = async () => {
      const m = tiny(7);
      const r = await fitModel(m, train, {
        epochs: 2,
        batchSize: 32,
        seed: 7,
        inputShape: [28, 28, 1],
        classes: 10,
        progress: false,
      });
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return { losses: r.epochs.map((e) => e.loss), w };
    };
    const a = await run();
    const b = await run();
    expect(a.losses).toEqual(b.losses);
    expect(a.w).toEqual(b.w);
    expect(a.losses[1]!).toBeLessThan(a.losses[0]!);
  });

  it("NaN in the data: EdgeqError train-data naming the image", async () => {
    const bad = { x: Float32Array.from(train.x), y: train.y, n: train.n };
    bad.x[3 * 784 + 5] = Number.NaN;
    const m = tiny(1);
    const e = await fitModel(m, bad, {
      epochs: 1,
      inputShape: [28, 28, 1],
      classes: 10,
      progress: false,
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EdgeqError);
    expect((e as EdgeqError).code).toBe("train-data");
    expect((e as Error).message).toMatch(/training image 3 has a non-finite value \(NaN\) at element 5/);
    m.dispose();
  });

  it("lr=1e9 constant: stops with EdgeqError train-diverged and a lower-lr hint", async () => {
    const m = tiny(1);
    const e = await fitModel(m, train, {
      epochs: 3,
      batchSize: 32,
      lr: 1e9,
      schedule: "constant",
      inputShape: [28, 28, 1],
      classes: 10,
      progress: false,
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EdgeqError);
    expect((e as EdgeqError).code).toBe("train-diverged");
    expect((e as Error).message).toMatch(/lower the learning rate \(now 1000000000, try 100000000\)/);
    m.dispose();
  });

  it("validation split 0.25 of 256 and augmentation shift=2 flip", () => {
    const { train: t, val } = validationSplit(train, 0.25, 3);
    expect(val.n).toBe(64);
    expect(t.n).toBe(192);
    const x = Float32Array.from(train.x.subarray(0, 4 * 784));
    augmentBatch(x, 4, 28, 28, 1, { flip: true, shift: 2 }, rng(1));
    let changed = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== train.x[i]) changed++;
    expect(changed).toBeGreaterThan(100);
    let sum0 = 0;
    let sum1 = 0;
    for (let i = 0; i < 4 * 784; i++) {
      sum0 += train.x[i]!;
      sum1 += x[i]!;
    }
    expect(sum1).toBeLessThanOrEqual(sum0 + 1e-3); // shifts drop pixels, never invent them
  });

  it("early stopping patience=1 with an lr that cannot improve stops before 4 epochs", async () => {
    const m = tiny(2);
    const r = await fitModel(m, train, {
      epochs: 4,
      batchSize: 64,
      lr: 1e-12,
      schedule: "constant",
      inputShape: [28, 28, 1],
      classes: 10,
      patience: 1,
      val: { x: train.x.subarray(0, 64 * 784), y: train.y.subarray(0, 64), n: 64 },
      progress: false,
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs.length).toBeLessThan(4);
    m.dispose();
    expect(tf.memory().numTensors).toBeLessThan(1000);
  });
});

describe("edgeq train (CLI)", () => {
  it("--arch ds-cnn --epochs 1 --limit 320 --batch 32 writes model.json, weights.bin, train.json", () => {
    const out = mkdtempSync(join(tmpdir(), "edgeq-train-"));
    const stdout = execFileSync(
      "node",
      [
        "bin/edgeq.js",
        "train",
        "--arch",
        "ds-cnn",
        "--data",
        "samples/fashion-mnist",
        "--epochs",
        "1",
        "--limit",
        "320",
        "--batch",
        "32",
        "--out",
        out,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(stdout).toMatch(/test accuracy \d+\.\d+%/);
    expect(existsSync(join(out, "model.json"))).toBe(true);
    expect(existsSync(join(out, "weights.bin"))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, "train.json"), "utf8"));
    expect(report.epochs).toHaveLength(1);
    expect(report.labels).toHaveLength(10);
    expect(report.inputShape).toEqual([28, 28, 1]);
    expect(report.normalisation.scale).toBeCloseTo(1 / 255, 8);
    expect(report.epochs[0].testAccuracy).toBeGreaterThan(0.2);
    expect(report.epochs[0].imagesPerSec).toBeGreaterThan(0);
  });

  it("bad --arch and missing --data give one edgeq: line and exit code 2", () => {
    for (const args of [
      ["--arch", "resnet"],
      ["--data", "/nonexistent/dir"],
    ]) {
      let code = 0;
      let stderr = "";
      try {
        execFileSync("node", ["bin/edgeq.js", "train", ...args, "--epochs", "1"], {
          encoding: "utf8",
          stdio: "pipe",
        });
      } catch (e) {
        code = (e as { status: number }).status;
        stderr = String((e as { stderr: string }).stderr);
      }
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^edgeq: (unknown --arch 'resnet'|dataset path \/nonexistent\/dir does not exist)/m,
      );
    }
  });
});
