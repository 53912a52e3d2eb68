/**
 * The fused Adam step (wasm) against tfjs' AdamOptimizer on the cpu backend: 6 steps on a
 * small least-squares problem, lr=0.01 and lr=0.3: weights within 1e-6 relative (the step
 * itself rounds like tfjs' op-by-op Adam; the rest is the backends' matmul rounding).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { adam, fastAdam, initBackend } from "../../toolchain/train/index.js";

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

describe("fused Adam (wasm) vs tf.train.adam (cpu)", () => {
  for (const lr of [0.01, 0.3]) {
    it(`6 steps lr=${lr} on w [5,3] + b [3] least squares: weights within 1e-6 relative`, async () => {
      const run = async (backend: "cpu" | "wasm") => {
        await tf.setBackend(backend);
        const x = tf.tensor2d(
          Array.from({ length: 40 }, (_, i) => Math.sin(i)),
          [8, 5],
        );
        const t = tf.tensor2d(
          Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7)),
          [8, 3],
        );
        const w = tf.variable(
          tf.tensor2d(
            Array.from({ length: 15 }, (_, i) => (i % 4) * 0.1 - 0.15),
            [5, 3],
          ),
        );
        const b = tf.variable(tf.zeros([3]));
        const opt = backend === "wasm" ? adam(lr) : tf.train.adam(lr, 0.9, 0.999, 1e-7);
        for (let s = 0; s < 6; s++) {
          opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), t))) as tf.Scalar);
        }
        const out = [w, b].map((v) => Float32Array.from(v.dataSync()));
        tf.dispose([x, t, w, b]);
        opt.dispose();
        return out;
      };
      const got = await run("wasm");
      const ref = await run("cpu");
      for (let i = 0; i < 2; i++) expect(relErr(got[i]!, ref[i]!)).toBeLessThanOrEqual(1e-6);
      expect(got[0]!.some((v, i) => v !== [0, 1, 2, 3][i % 4]! * 0.1 - 0.15)).toBe(true);
    });
  }

  it("fused vs stock tfjs Adam, both on wasm, 6 steps lr=0.05: bit-identical weights", async () => {
    await tf.setBackend("wasm");
    const run = (fused: boolean) => {
      fastAdam.enabled = fused;
      const x = tf.tensor2d(
        Array.from({ length: 40 }, (_, i) => Math.sin(i)),
        [8, 5],
      );
      const w = tf.variable(
        tf.tensor2d(
          Array.from({ length: 10 }, (_, i) => i * 0.05 - 0.2),
          [5, 2],
        ),
      );
      const opt = adam(0.05);
      for (let s = 0; s < 6; s++)
        opt.minimize(() => tf.sum(tf.square(tf.tanh(tf.matMul(x, w)))) as tf.Scalar);
      const out = Float32Array.from(w.dataSync());
      tf.dispose([x, w]);
      opt.dispose();
      return out;
    };
    const fused = run(true);
    const stock = run(false);
    fastAdam.enabled = true;
    expect(Array.from(fused)).toEqual(Array.from(stock));
  });

  it("fused path really runs: kernel EdgeqAdamStep in the profile", async () => {
    await tf.setBackend("wasm");
    const w = tf.variable(tf.ones([4]));
    const opt = adam(0.1);
    const prof = await tf.profile(() => {
      opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    });
    expect(prof.kernelNames).toContain("EdgeqAdamStep");
    tf.dispose(w);
  });
});
