/**
 * edgeq's wasm gradient kernels (fast and naive) against the tfjs cpu backend's kernels on the
 * same inputs: max |wasm - cpu| <= 1e-5 * max |cpu| over several shapes. Dilated depthwise
 * cases are checked against the cpu kernel run with the equivalent zero-inserted filter
 * (the cpu kernels ignore the dilation attribute).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { gradKernelOptions, initBackend, registerGradKernels } from "../../toolchain/train/backend.js";

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

type Pad = "same" | "valid";

async function run(
  backend: "cpu" | "wasm",
  kernel: string,
  inputs: Record<string, { shape: number[]; data: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape);
  const out = tf
    .engine()
    .runKernel(kernel, ts as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  for (const t of Object.values(ts)) t.dispose();
  return { shape, data: Float32Array.from(data) };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((a[i] ?? Number.NaN) - b[i]!));
    maxRef = Math.max(maxRef, Math.abs(b[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

function outSize(inp: number, k: number, s: number, d: number, pad: Pad): number {
  const ek = (k - 1) * d + 1;
  return pad === "same" ? Math.ceil(inp / s) : Math.ceil((inp - ek + 1) / s);
}

/** [fh, fw, c, m] filter -> dilated [(fh-1)d+1, (fw-1)d+1, c, m] with zeros between taps. */
function dilateFilter(f: Float32Array, fh: number, fw: number, cm: number, d: number) {
  const eh = (fh - 1) * d + 1;
  const ew = (fw - 1) * d + 1;
  const out = new Float32Array(eh * ew * cm);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++)
      for (let k = 0; k < cm; k++) out[(i * d * ew + j * d) * cm + k] = f[(i * fw + j) * cm + k]!;
  return { data: out, eh, ew };
}

beforeAll(async () => {
  await initBackend("wasm");
});

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  s: number;
  pad: Pad;
  d: number;
  m: number;
  co: number;
}

const dwCases: Case[] = [
  { n: 2, h: 14, w: 14, c: 8, k: 3, s: 1, pad: "same", d: 1, m: 1, co: 0 },
  { n: 2, h: 14, w: 14, c: 8, k: 3, s: 2, pad: "same", d: 1, m: 1, co: 0 },
  { n: 3, h: 9, w: 7, c: 5, k: 3, s: 2, pad: "valid", d: 1, m: 1, co: 0 },
  { n: 2, h: 8, w: 8, c: 4, k: 3, s: 1, pad: "same", d: 1, m: 2, co: 0 },
  { n: 1, h: 10, w: 11, c: 3, k: 5, s: 1, pad: "valid", d: 1, m: 3, co: 0 },
  { n: 2, h: 12, w: 12, c: 6, k: 3, s: 1, pad: "same", d: 2, m: 1, co: 0 },
  { n: 2, h: 13, w: 12, c: 4, k: 3, s: 1, pad: "valid", d: 2, m: 2, co: 0 },
  { n: 4, h: 7, w: 7, c: 64, k: 3, s: 1, pad: "same", d: 1, m: 1, co: 0 },
  { n: 2, h: 15, w: 16, c: 7, k: 5, s: 2, pad: "same", d: 1, m: 1, co: 0 },
  { n: 2, h: 16, w: 15, c: 5, k: 3, s: 3, pad: "valid", d: 1, m: 1, co: 0 },
];

const convCases: Case[] = [
  { n: 2, h: 14, w: 14, c: 24, k: 1, s: 1, pad: "same", d: 1, m: 1, co: 32 },
  { n: 2, h: 28, w: 28, c: 1, k: 3, s: 2, pad: "same", d: 1, m: 1, co: 16 },
  { n: 3, h: 9, w: 10, c: 3, k: 3, s: 1, pad: "valid", d: 1, m: 1, co: 5 },
  { n: 2, h: 11, w: 11, c: 4, k: 5, s: 2, pad: "valid", d: 1, m: 1, co: 6 },
  { n: 2, h: 8, w: 8, c: 16, k: 1, s: 2, pad: "valid", d: 1, m: 1, co: 8 },
  { n: 8, h: 14, w: 14, c: 32, k: 1, s: 1, pad: "valid", d: 1, m: 1, co: 64 },
];

for (const variant of ["fast", "fast-js", "naive"] as const) {
  const mode = variant === "naive" ? "naive" : "fast";
  describe(`wasm gradient kernels (${variant}) vs cpu backend`, () => {
    beforeAll(() => {
      // fast-js: the JS fallbacks of the fast kernels (no wasm matmul / depthwise conv routes)
      gradKernelOptions.matmulMaxFloats = variant === "fast-js" ? 0 : 1 << 25;
      gradKernelOptions.depthwiseInputViaConv = variant !== "fast-js";
    });
    for (const t of dwCases) {
      const name = `k=${t.k} s=${t.s} pad=${t.pad} dil=${t.d} ch=${t.c} mult=${t.m} in=${t.n}x${t.h}x${t.w}`;
      const oh = outSize(t.h, t.k, t.s, t.d, t.pad);
      const ow = outSize(t.w, t.k, t.s, t.d, t.pad);
      const x = { shape: [t.n, t.h, t.w, t.c], data: rand(t.n * t.h * t.w * t.c, 1) };
      const dy = { shape: [t.n, oh, ow, t.c * t.m], data: rand(t.n * oh * ow * t.c * t.m, 2) };
      const f = { shape: [t.k, t.k, t.c, t.m], data: rand(t.k * t.k * t.c * t.m, 3) };
      const dil = dilateFilter(f.data, t.k, t.k, t.c * t.m, t.d);
      const base = { strides: [t.s, t.s], pad: t.pad, dimRoundingMode: undefined };

      it(`DepthwiseConv2dNativeBackpropInput ${name}`, async () => {
        registerGradKernels(mode);
        const attrs = { ...base, inputShape: x.shape };
        const got = await run(
          "wasm",
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter: f },
          {
            ...attrs,
            dilations: [t.d, t.d],
          },
        );
        const ref = await run(
          "cpu",
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter: { shape: [dil.eh, dil.ew, t.c, t.m], data: dil.data } },
          { ...attrs, dilations: [1, 1] },
        );
        expect(got.shape).toEqual(x.shape);
        expect(relErr(got.data, ref.data)).toBeLessThanOrEqual(1e-5);
      });

      it(`DepthwiseConv2dNativeBackpropFilter ${name}`, async () => {
        registerGradKernels(mode);
        const got = await run(
          "wasm",
          "DepthwiseConv2dNativeBackpropFilter",
          { x, dy },
          {
            ...base,
            dilations: [t.d, t.d],
            filterShape: f.shape,
          },
        );
        const full = await run(
          "cpu",
          "DepthwiseConv2dNativeBackpropFilter",
          { x, dy },
          {
            ...base,
            dilations: [1, 1],
            filterShape: [dil.eh, dil.ew, t.c, t.m],
          },
        );
        // pick the taps the dilated filter really has
        const cm = t.c * t.m;
        const ref = new Float32Array(t.k * t.k * cm);
        for (let i = 0; i < t.k; i++)
          for (let j = 0; j < t.k; j++)
            for (let q = 0; q < cm; q++)
              ref[(i * t.k + j) * cm + q] = full.data[(i * t.d * dil.ew + j * t.d) * cm + q]!;
        expect(got.shape).toEqual(f.shape);
        expect(relErr(got.data, ref)).toBeLessThanOrEqual(1e-5);
      });
    }

    for (const t of convCases) {
      const name = `k=${t.k} s=${t.s} pad=${t.pad} cin=${t.c} cout=${t.co} in=${t.n}x${t.h}x${t.w}`;
      it(`Conv2DBackpropFilter ${name}`, async () => {
        registerGradKernels(mode);
        const oh = outSize(t.h, t.k, t.s, 1, t.pad);
        const ow = outSize(t.w, t.k, t.s, 1, t.pad);
        const x = { shape: [t.n, t.h, t.w, t.c], data: rand(t.n * t.h * t.w * t.c, 4) };
        const dy = { shape: [t.n, oh, ow, t.co], data: rand(t.n * oh * ow * t.co, 5) };
        const attrs = {
          strides: [t.s, t.s],
          pad: t.pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
          filterShape: [t.k, t.k, t.c, t.co],
        };
        const got = await run("wasm", "Conv2DBackpropFilter", { x, dy }, attrs);
        const ref = await run("cpu", "Conv2DBackpropFilter", { x, dy }, attrs);
        expect(got.shape).toEqual([t.k, t.k, t.c, t.co]);
        expect(relErr(got.data, ref.data)).toBeLessThanOrEqual(1e-5);
      });
      it(`Conv2DBackpropInput ${name}`, async () => {
        registerGradKernels(mode);
        const oh = outSize(t.h, t.k, t.s, 1, t.pad);
        const ow = outSize(t.w, t.k, t.s, 1, t.pad);
        const dy = { shape: [t.n, oh, ow, t.co], data: rand(t.n * oh * ow * t.co, 6) };
        const filter = { shape: [t.k, t.k, t.c, t.co], data: rand(t.k * t.k * t.c * t.co, 7) };
        const attrs = {
          strides: [t.s, t.s],
          pad: t.pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
          inputShape: [t.n, t.h, t.w, t.c],
        };
        const got = await run("wasm", "Conv2DBackpropInput", { dy, filter }, attrs);
        const ref = await run("cpu", "Conv2DBackpropInput", { dy, filter }, attrs);
        expect(got.shape).toEqual([t.n, t.h, t.w, t.c]);
        expect(relErr(got.data, ref.data)).toBeLessThanOrEqual(1e-5);
      });
    }
  });
}

describe("tf.grad through a separable block on wasm vs cpu", () => {
  it("separableConv2d k=3 s=2 pad=same ch=6 mult=2 -> 10 filters, grads of x and both filters", async () => {
    registerGradKernels("fast");
    const xs = rand(2 * 10 * 10 * 6, 7);
    const dws = rand(3 * 3 * 6 * 2, 8);
    const pws = rand(12 * 10, 9);
    const grads = async (backend: "cpu" | "wasm") => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xs, [2, 10, 10, 6]);
      const dw = tf.tensor4d(dws, [3, 3, 6, 2]);
      const pw = tf.tensor4d(pws, [1, 1, 12, 10]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf
          .separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 2, "same")
          .square()
          .sum(),
      );
      const out = g([x, dw, pw]);
      const data = await Promise.all(
        out.map(async (t) => Float32Array.from((await t.data()) as Float32Array)),
      );
      tf.dispose([x, dw, pw, ...out]);
      return data;
    };
    const got = await grads("wasm");
    const ref = await grads("cpu");
    for (let i = 0; i < 3; i++) expect(relErr(got[i]!, ref[i]!)).toBeLessThanOrEqual(1e-5);
  });
});

describe("Tile on wasm (edgeq block-copy kernel) vs cpu", () => {
  const cases: [number[], number[]][] = [
    [
      [1, 1, 1, 24],
      [4, 14, 14, 1],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [
      [3, 1, 2],
      [1, 4, 3],
    ],
    [[5], [7]],
  ];
  for (const [shape, reps] of cases) {
    it(`tile shape=[${shape}] reps=[${reps}]`, async () => {
      registerGradKernels("fast");
      const n = shape.reduce((a, b) => a * b, 1);
      const x = { shape, data: rand(n, 11) };
      const got = await run("wasm", "Tile", { x }, { reps });
      const ref = await run("cpu", "Tile", { x }, { reps });
      expect(got.shape).toEqual(ref.shape);
      expect(Array.from(got.data)).toEqual(Array.from(ref.data));
    });
  }
});
