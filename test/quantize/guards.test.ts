import { describe, expect, it } from "vitest";
import { calibrate, mseRange, percentileRange, quantMse } from "../../toolchain/calibrate/index.js";
import { addToHistogram, newHistogram } from "../../toolchain/calibrate/ranges.js";
import { EdgeqError } from "../../toolchain/errors.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { quantizeWithReport } from "../../toolchain/quantize/index.js";
import { activationParams, quantizeBias, quantizeWeights } from "../../toolchain/quantize/params.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { rng } from "../import/tfjs-models.js";
import { loadNative } from "../oracles/native.js";

/** x [1, n] -> FC (oc outputs, weights w [oc, n], bias b) -> y [1, oc]. */
function fcGraph(n: number, oc: number, w: Float32Array, b: Float32Array): Graph {
  return {
    tensors: [
      { name: "x", shape: [1, n], dtype: "float32" },
      { name: "fc/w", shape: [oc, n], dtype: "float32", data: w },
      { name: "fc/b", shape: [oc], dtype: "float32", data: b },
      { name: "fc", shape: [1, oc], dtype: "float32" },
    ],
    ops: [
      {
        type: "FULLY_CONNECTED",
        inputs: [0, 1, 2],
        outputs: [3],
        options: { activation: "NONE", keepNumDims: false },
      },
    ],
    inputs: [0],
    outputs: [3],
  };
}

/** x [1, 4, 4, 2] -> CONV_2D 1x1 (3 out channels, weights w [3, 1, 1, 2]) -> y. */
function convGraph(w: Float32Array, b: Float32Array): Graph {
  return {
    tensors: [
      { name: "x", shape: [1, 4, 4, 2], dtype: "float32" },
      { name: "c/w", shape: [3, 1, 1, 2], dtype: "float32", data: w },
      { name: "c/b", shape: [3], dtype: "float32", data: b },
      { name: "c", shape: [1, 4, 4, 3], dtype: "float32" },
    ],
    ops: [
      {
        type: "CONV_2D",
        inputs: [0, 1, 2],
        outputs: [3],
        options: { padding: "VALID", strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: "NONE" },
      },
    ],
    inputs: [0],
    outputs: [3],
  };
}

const randomSamples = (size: number, n: number, seed: number, lo = -1, hi = 1): Float32Array[] => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: size }, () => lo + (hi - lo) * r()));
};

describe("quantization guards", () => {
  it("conv with an all-zero channel 1 and a near-zero channel 2 (1e-9): safe scales, warning, runs in native TFLite", () => {
    const w = new Float32Array([0.5, -0.25, 0, 0, 1e-9, -1e-9]);
    const g = convGraph(w, new Float32Array([0.1, 0.2, 0.3]));
    const warnings: string[] = [];
    const { graph: q, report } = quantizeWithReport(g, randomSamples(32, 8, 1), {
      onWarning: (m) => warnings.push(m),
    });
    expect(report.layers[0]!.guardedChannels).toEqual([1, 2]);
    expect(warnings.join("\n")).toMatch(/layer 'c': 2 all-zero or near-zero weight channel/);
    const s = q.tensors[1]!.quant!.scale;
    expect(s[1]).toBeCloseTo(0.5 / 127, 9);
    expect(s[2]).toBeCloseTo(0.5 / 127, 9);
    expect(Array.from(q.tensors[1]!.data as Int8Array)).toEqual([127, -64, 0, 0, 0, 0]);
    expect(() => loadNative(writeTflite(q)).run([new Int8Array(32)])).not.toThrow();
  });

  it("weights per-channel: max |w| maps to 127, never -128; per-tensor uses the global max", () => {
    const w = new Float32Array([1, -2, 0.5, 4, -4, 1]);
    const pc = quantizeWeights(w, 2, (i) => Math.floor(i / 3), 0);
    expect(Array.from(pc.q)).toEqual([64, -127, 32, 127, -127, 32]);
    expect(pc.scale).toEqual([2 / 127, 4 / 127]);
    const pt = quantizeWeights(w, 1, () => 0, 0);
    expect(Array.from(pt.q)).toEqual([32, -64, 16, 127, -127, 32]);
  });

  it("bias beyond int32 at inputScale*weightScale is clamped and reported", () => {
    const r = quantizeBias(new Float32Array([1e6, -1e6, 1]), 1e-3, [1e-6]);
    expect(r.clamped).toEqual([0, 1]);
    expect(r.q[0]).toBe(2147483647);
    expect(r.q[1]).toBe(-2147483647);
    expect(r.q[2]).toBe(1000000000);
  });

  it("FC with 70000 inputs in [0, 1] (zp -128) at full weight range: int32 accumulator could overflow -> EdgeqError naming the layer", () => {
    const n = 70000;
    const w = new Float32Array(n).fill(0.5);
    const g = fcGraph(n, 1, w, new Float32Array(1));
    expect(() => quantizeWithReport(g, randomSamples(n, 2, 2, 0, 1))).toThrow(
      /layer 'fc': the int32 accumulator can reach/,
    );
  });

  it("FC with 60000 inputs in [0, 1]: bound 60000*127*255 < 2^31 is reported and accepted", () => {
    const n = 60000;
    const g = fcGraph(n, 1, new Float32Array(n).fill(0.5), new Float32Array(1));
    const { report } = quantizeWithReport(g, randomSamples(n, 2, 3, 0, 1));
    expect(report.layers[0]!.accumulatorBound).toBe(60000 * 127 * 255);
  });

  it("activation params: range widened to include 0, zero point nudged into [-128, 127]", () => {
    expect(activationParams(0, 6)).toMatchObject({ zeroPoint: [-128] });
    expect(activationParams(0, 6).scale[0]).toBeCloseTo(6 / 255, 12);
    expect(activationParams(2, 5).zeroPoint).toEqual([-128]);
    expect(activationParams(-5, -2).zeroPoint).toEqual([127]);
    const p = activationParams(-1, 3);
    expect(p.scale[0]! * (-128 - p.zeroPoint[0]!)).toBeCloseTo(-1, 2);
  });

  it("bad input: no calibration samples, unknown per-layer name, already-int8 graph -> EdgeqError", () => {
    const g = fcGraph(2, 1, new Float32Array([1, 1]), new Float32Array(1));
    expect(() => quantizeWithReport(g, [])).toThrow(EdgeqError);
    expect(() => quantizeWithReport(g, randomSamples(2, 2, 4), { layers: { nope: "mse" } })).toThrow(
      /names tensor 'nope'.*use one of: x, fc/,
    );
    const q = quantizeWithReport(g, randomSamples(2, 2, 4)).graph;
    expect(() => quantizeWithReport(q, randomSamples(2, 2, 4))).toThrow(/already int8/);
  });
});

describe("calibration ranges", () => {
  const laplace = (n: number, seed: number): Float32Array => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => {
      const u = r() - 0.5;
      return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    });
  };

  it("laplace(1) 200k samples: percentile 99.9 clips to about ln(1000)/... and mse clips below max with lower MSE than minmax", () => {
    const x = laplace(200000, 5);
    let mn = 0;
    let mx = 0;
    for (const v of x) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    const h = newHistogram(mn, mx, 2048);
    addToHistogram(h, x);
    const p = percentileRange(h, 99.9);
    // P(|x| > t) = exp(-t): one-sided tail 0.1% -> t = ln(500) = 6.21
    expect(p.max).toBeGreaterThan(5.9);
    expect(p.max).toBeLessThan(6.6);
    const m = mseRange(h);
    expect(m.max).toBeLessThan(mx * 0.9);
    expect(quantMse(h, m.min, m.max)).toBeLessThan(quantMse(h, mn, mx) * 0.8);
  });

  it("per-layer override: x minmax, fc percentile 90 on the same samples gives a narrower fc range", () => {
    const g = fcGraph(4, 2, new Float32Array([1, -1, 0.5, 0.2, -0.3, 1, 1, 0.1]), new Float32Array(2));
    const s = randomSamples(4, 200, 6);
    const all = calibrate(g, s, { method: "minmax" });
    const mixed = calibrate(g, s, {
      method: "minmax",
      layers: { fc: { method: "percentile", percentile: 90 } },
    });
    expect(mixed[0]).toEqual(all[0]);
    expect(mixed[3]!.max).toBeLessThan(all[3]!.max);
    expect(mixed[3]!.min).toBeGreaterThan(all[3]!.min);
  });

  it("progress callback: 2 passes x 10 samples for percentile, 1 pass for minmax", () => {
    const g = fcGraph(4, 2, new Float32Array(8).fill(0.5), new Float32Array(2));
    const seen: string[] = [];
    calibrate(g, randomSamples(4, 10, 7), {
      method: "percentile",
      onProgress: (d, t, ph) => seen.push(`${d}/${t}/${ph}`),
    });
    expect(seen.length).toBe(20);
    expect(seen[19]).toBe("20/20/histogram");
    const once: number[] = [];
    calibrate(g, randomSamples(4, 10, 7), { onProgress: (d) => once.push(d) });
    expect(once.length).toBe(10);
  });
});
