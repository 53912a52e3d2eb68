import { describe, expect, it } from "vitest";
import {
  accuracy,
  agreement,
  argmax,
  confusion,
  histogram,
  perClassAccuracy,
} from "../../toolchain/report/classify.js";
import {
  accumulate,
  compare,
  dequantize,
  finish,
  newAcc,
  quantizeInt8,
} from "../../toolchain/report/metrics.js";

/** A seeded generator so the statistical checks are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("layer metrics on hand-derivable tensors", () => {
  it("sqnr signal=[1,-1,1,-1] noise=+-0.1 is exactly 20 dB", () => {
    const m = compare([1, -1, 1, -1], [1.1, -1.1, 1.1, -1.1]);
    expect(m.sqnr_db).toBeCloseTo(20, 10);
    expect(m.mean_error).toBeCloseTo(0, 12);
    expect(m.mae).toBeCloseTo(0.1, 12);
    expect(m.max_abs).toBeCloseTo(0.1, 12);
    expect(m.rmse).toBeCloseTo(0.1, 12);
  });

  it("sqnr equals 20 log10(rms(signal) / rms(noise)) on 1000 random values", () => {
    const r = rng(7);
    const sig = Array.from({ length: 1000 }, () => r() * 4 - 2);
    const noise = Array.from({ length: 1000 }, () => (r() - 0.5) * 0.05);
    const q = sig.map((v, i) => v + noise[i]!);
    const rms = (a: number[]): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    const expected = 20 * Math.log10(rms(sig) / rms(noise));
    expect(compare(sig, q).sqnr_db).toBeCloseTo(expected, 6);
  });

  it("errors r=[0,0,0,0] q=[1,-3,2,0]: mean 0, MAE 1.5, max 3, RMSE sqrt(3.5), RMSE/scale with scale 0.5", () => {
    const m = compare([0, 0, 0, 0], [1, -3, 2, 0], 0.5);
    expect(m.mean_error).toBe(0);
    expect(m.mae).toBe(1.5);
    expect(m.max_abs).toBe(3);
    expect(m.rmse).toBeCloseTo(Math.sqrt(3.5), 12);
    expect(m.rmse_over_scale).toBeCloseTo(2 * Math.sqrt(3.5), 12);
    expect(m.sqnr_db).toBe(Number.NEGATIVE_INFINITY);
  });

  it("identical tensors: sqnr +inf, cosine 1, all errors 0", () => {
    const m = compare([1, 2, 3], [1, 2, 3], 0.1);
    expect(m.sqnr_db).toBe(Number.POSITIVE_INFINITY);
    expect(m.cosine).toBe(1);
    expect(m.max_abs).toBe(0);
    expect(m.rmse_over_scale).toBe(0);
  });

  it("cosine: orthogonal 0, scaled copy 1, [1,0] vs [1,1] = 1/sqrt(2), opposite -1", () => {
    expect(compare([1, 0], [0, 1]).cosine).toBeCloseTo(0, 12);
    expect(compare([1, 2, 3], [2, 4, 6]).cosine).toBeCloseTo(1, 12);
    expect(compare([1, 0], [1, 1]).cosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(compare([1, -2], [-1, 2]).cosine).toBeCloseTo(-1, 12);
  });

  it("mean error sign: int8 reading high by 0.25 everywhere gives +0.25", () => {
    expect(compare([1, 2, 3, 4], [1.25, 2.25, 3.25, 4.25]).mean_error).toBeCloseTo(0.25, 12);
  });

  it("saturated share of codes [-128,127,0,5,127,-3,-128,1] is 4/8 (low 2/8, high 2/8)", () => {
    const codes = [-128, 127, 0, 5, 127, -3, -128, 1];
    const m = compare(codes, codes, 1, codes);
    expect(m.saturated).toBe(0.5);
    expect(m.sat_low).toBe(0.25);
    expect(m.sat_high).toBe(0.25);
    expect(compare([1], [1]).saturated).toBeNull();
  });

  it("pure rounding noise gives RMSE/scale near 1/sqrt(12) (scale 0.05, 20000 values)", () => {
    const r = rng(11);
    const s = 0.05;
    const x = Array.from({ length: 20000 }, () => r() * 6 - 3);
    const q = dequantize(quantizeInt8(x, s, 0), s, 0);
    // |x| <= 3 < 127 * 0.05 so nothing saturates: the error is uniform in [-s/2, s/2].
    expect(compare(x, q, s).rmse_over_scale!).toBeCloseTo(1 / Math.sqrt(12), 2);
  });

  it("accumulating 3 samples equals one comparison over their concatenation", () => {
    const r = rng(3);
    const parts = [5, 7, 3].map((n) => ({
      a: Array.from({ length: n }, () => r() - 0.5),
      b: Array.from({ length: n }, () => r() - 0.5),
    }));
    const acc = newAcc();
    for (const p of parts) accumulate(acc, p.a, p.b);
    const all = compare(
      parts.flatMap((p) => p.a),
      parts.flatMap((p) => p.b),
      0.1,
    );
    const m = finish(acc, 0.1);
    for (const k of ["sqnr_db", "cosine", "mean_error", "mae", "max_abs", "rmse", "rmse_over_scale"] as const)
      expect(m[k]).toBeCloseTo(all[k]!, 12);
    expect(m.n).toBe(15);
  });

  it("quantizeInt8 scale=0.5 zp=-1: ties away from zero, clamped to [-128,127]", () => {
    expect(Array.from(quantizeInt8([1.25, -1.25, 0.2, 1000, -1000], 0.5, -1))).toEqual([
      2, -4, -1, 127, -128,
    ]);
    expect(Array.from(dequantize([2, -4, -1], 0.5, -1))).toEqual([1.5, -1.5, 0]);
  });
});

describe("model-level comparison", () => {
  it("argmax returns the first maximum", () => {
    expect(argmax([0.1, 0.7, 0.7, 0.2])).toBe(1);
    expect(argmax([-5, -2, -9])).toBe(1);
  });

  it("confusion, accuracy, per-class accuracy and agreement on 6 samples of 3 classes", () => {
    const y = [0, 0, 1, 1, 2, 2];
    const pf = [0, 0, 1, 2, 2, 2];
    const pq = [0, 1, 1, 2, 2, 0];
    expect(confusion(y, pf, 3)).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(accuracy(y, pf)).toBeCloseTo(5 / 6, 12);
    expect(accuracy(y, pq)).toBeCloseTo(3 / 6, 12);
    expect(perClassAccuracy(confusion(y, pq, 3))).toEqual([0.5, 0.5, 0.5]);
    expect(perClassAccuracy(confusion([0], [0], 2))).toEqual([1, null]);
    expect(agreement(pf, pq)).toBeCloseTo(4 / 6, 12);
  });

  it("histogram of [-1,-0.5,0,0.5,1] with 4 bins over [-1,1] counts [1,1,1,2]", () => {
    const h = histogram([-1, -0.5, 0, 0.5, 1], 4);
    expect(h.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(h.counts).toEqual([1, 1, 1, 2]);
  });
});
