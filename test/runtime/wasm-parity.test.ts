/**
 * The WebAssembly-SIMD add-on (dist/edgeq-rt-wasm.min.js, runtime-int8/src/addons/wasm/wasm.ts + kernels.wat)
 * installed into the built core (dist/edgeq-rt.min.js): op by op against native TFLite 2.9 (parity.ts:
 * every value equal except native's CONV_2D/FC negative ties, each recognised and counted), and
 * output for output against the core's own plain loops. On MobileNet-v1 0.25 96x96, on 300 random
 * writer-made models of the conv-like kinds (test/runtime/gen.ts), and on explicit shapes past what
 * the random ones reach (several 8-channel blocks, odd channel counts, depth multipliers, dilation,
 * batch 2, long dot products). Counts that the add-on's kernels really ran.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime } from "../../runtime-int8/build.js";
import type { Activation, Graph, Padding, QuantParams } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Case, fcWithWeightsOffset, prng, randomCase } from "./gen.js";
import { mobilenetInput, mobilenetV1 } from "./mobilenet.js";
import { checkCase, newTally } from "./parity.js";
import { evalScripts, outputs, type Rt, useCounted } from "./scripts.js";

let core: Rt;
let wasm: Rt;
/** Ops the wasm kernels took (returned an Eval for). */
let taken: () => number;

beforeAll(async () => {
  const b = await buildRuntime();
  core = evalScripts("", b.min);
  // the core, then the add-on (installs itself); its kernels wrapped to count the ops they take
  const rt = evalScripts("", b.min, b.wasm.min, "edgeqrt.wasm = edgeqrtWasm;") as Rt & {
    wasm: Record<string, unknown>;
  };
  taken = useCounted(rt, rt.wasm).taken;
  wasm = rt;
});

/** Native parity op by op, then the same outputs as the core alone; returns the ops the add-on took. */
function check(c: Case, tally = newTally()): number {
  const before = taken();
  checkCase(c, tally, (bytes) => wasm.load(bytes));
  const n = taken() - before;
  const bytes = writeTflite(c.graph);
  expect(outputs(wasm, bytes, c.inputs)).toEqual(outputs(core, bytes, c.inputs));
  return n;
}

describe("wasm add-on: mobilenet-v1 alpha=0.25 input=96x96x1 int8 per-channel", () => {
  it("every op equals native TFLite 2.9 (ties counted), outputs equal the core's, 28 conv-like ops taken", () => {
    const tally = newTally();
    const n = check(
      { name: "mobilenet-v1 0.25 96", graph: mobilenetV1(), inputs: [mobilenetInput()] },
      tally,
    );
    expect(n).toBe(28);
    expect(tally.values).toBeGreaterThan(100_000);
    process.stdout.write(
      `wasm mobilenet parity: ${tally.values} values, ${tally.ties} native negative ties\n`,
    );
  });
});

const KINDS = ["conv", "conv1x1", "dwconv", "fc", "reshape", "chain"] as const;
const SEEDS = 50;
const tally = newTally();
let randomTaken = 0;

describe(`wasm add-on vs native TFLite 2.9 and the core: ${SEEDS} random models of each of ${KINDS.join(", ")}`, () => {
  for (const kind of KINDS)
    describe(kind, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const c = randomCase(seed, kind);
        it(`wasm ${c.name}`, () => {
          randomTaken += check(c, tally);
        });
      }
    });
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    const c = fcWithWeightsOffset(seed);
    it(`wasm ${c.name}`, () => {
      randomTaken += check(c, tally);
    });
  }
  it("compared 306 models, the add-on took every conv-like op", () => {
    expect(tally.cases).toBe(SEEDS * KINDS.length + 6);
    expect(tally.cases).toBeGreaterThanOrEqual(300);
    expect(randomTaken).toBeGreaterThanOrEqual(tally.cases);
    process.stdout.write(
      `wasm random parity: ${tally.cases} models, ${tally.values} values, ${randomTaken} ops on the add-on, ${tally.ties} native negative ties\n`,
    );
  });
});

interface Spec {
  op: "conv" | "dwconv" | "fc";
  n?: number;
  h: number;
  w: number;
  c: number;
  oc?: number;
  k?: [number, number];
  s?: [number, number];
  d?: [number, number];
  pad?: Padding;
  mult?: number;
  act?: Activation;
  /** Output scale factor (< 1: multipliers above 1, a left shift; with small inputs, weights and bias so outputs stay inside the clamp). */
  ys?: number;
  /** Per-channel weight scales spread over 1e-6..1e-1 (per-channel right shifts far apart). */
  wide?: boolean;
}

/** One explicit op with seeded weights, per-channel scales, random zero points and bias. */
function single(sp: Spec, seed: number): Case {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const g: Graph = { tensors: [], ops: [], inputs: [], outputs: [] };
  const q = (scale: number[], zp: number[], axis = 0): QuantParams => ({
    scale: scale.map(Math.fround),
    zeroPoint: zp,
    axis,
  });
  const t = (shape: number[], dtype: "int8" | "int32", quant: QuantParams, data?: Int8Array | Int32Array) => {
    g.tensors.push({ name: `t${g.tensors.length}`, shape, dtype, quant, ...(data ? { data } : {}) });
    return g.tensors.length - 1;
  };
  const n = sp.n ?? 1;
  const [kh, kw] = sp.k ?? [1, 1];
  const [sh, sw] = sp.s ?? [1, 1];
  const [dh, dw] = sp.d ?? [1, 1];
  const pad = sp.pad ?? "SAME";
  const act = sp.act ?? "RELU6";
  const mult = sp.mult ?? 1;
  const oc = sp.op === "dwconv" ? sp.c * mult : (sp.oc as number);
  const terms = sp.op === "dwconv" ? kh * kw : kh * kw * sp.c;
  const inS = 0.02;
  const small = sp.ys !== undefined;
  const xz = small ? int(-100, 100) : int(-128, 127);
  const x = t(sp.op === "fc" ? [n, sp.c] : [n, sp.h, sp.w, sp.c], "int8", q([inS], [xz]));
  g.inputs.push(x);
  const ws = Array.from({ length: sp.op === "fc" ? 1 : oc }, () =>
    sp.wide ? 10 ** (-6 + 5 * r()) : (3 + 3 * r()) / (127 * Math.sqrt(terms)),
  );
  const wshape = sp.op === "dwconv" ? [1, kh, kw, oc] : sp.op === "fc" ? [oc, sp.c] : [oc, kh, kw, sp.c];
  const nw = wshape.reduce((a, v) => a * v, 1);
  const W = t(
    wshape,
    "int8",
    q(
      ws,
      ws.map(() => 0),
      sp.op === "dwconv" ? 3 : 0,
    ),
    Int8Array.from({ length: nw }, () => (small ? int(-3, 3) : int(-127, 127))),
  );
  const B = t(
    [oc],
    "int32",
    q(
      ws.map((s) => inS * s),
      ws.map(() => 0),
    ),
    Int32Array.from({ length: oc }, () => (small ? int(-20, 20) : int(-3000, 3000))),
  );
  const out = (size: number, k: number, s: number, d: number) =>
    pad === "SAME" ? Math.ceil(size / s) : Math.floor((size - (k - 1) * d - 1 + s) / s);
  const wmid = sp.wide ? 1e-3 : (ws[0] as number);
  const yq = q([inS * wmid * 70 * Math.sqrt(terms) * (0.5 + r()) * (sp.ys ?? 1)], [int(-128, 127)]);
  if (sp.op === "fc") {
    const y = t([n, oc], "int8", yq);
    g.ops.push({
      type: "FULLY_CONNECTED",
      inputs: [x, W, B],
      outputs: [y],
      options: { activation: act, keepNumDims: false },
    });
    g.outputs.push(y);
  } else {
    const y = t([n, out(sp.h, kh, sh, dh), out(sp.w, kw, sw, dw), oc], "int8", yq);
    const o = { padding: pad, strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, activation: act };
    if (sp.op === "dwconv")
      g.ops.push({
        type: "DEPTHWISE_CONV_2D",
        inputs: [x, W, B],
        outputs: [y],
        options: { ...o, depthMultiplier: mult },
      });
    else g.ops.push({ type: "CONV_2D", inputs: [x, W, B], outputs: [y], options: o });
    g.outputs.push(y);
  }
  const size = g.tensors[x]?.shape.reduce((a, v) => a * v, 1) as number;
  const input = Int8Array.from({ length: size }, () => (small ? xz + int(-2, 2) : int(-128, 127)));
  return { name: "", graph: g, inputs: [input] };
}

const SPECS: Spec[] = [
  { op: "dwconv", h: 12, w: 12, c: 8, k: [3, 3], s: [2, 2], pad: "SAME" },
  { op: "dwconv", h: 10, w: 9, c: 24, k: [3, 3], s: [1, 1], pad: "SAME" },
  { op: "dwconv", h: 9, w: 11, c: 13, k: [3, 3], s: [2, 1], pad: "VALID" },
  { op: "dwconv", h: 8, w: 8, c: 5, k: [3, 3], s: [1, 1], pad: "SAME", mult: 3 },
  { op: "dwconv", h: 11, w: 10, c: 16, k: [5, 5], s: [1, 1], d: [2, 2], pad: "SAME" },
  { op: "dwconv", n: 2, h: 7, w: 7, c: 20, k: [3, 3], s: [2, 2], pad: "SAME", act: "NONE" },
  { op: "conv", h: 16, w: 16, c: 3, oc: 16, k: [3, 3], s: [2, 2], pad: "SAME" },
  { op: "conv", h: 9, w: 13, c: 7, oc: 20, k: [3, 3], s: [1, 1], pad: "VALID", act: "RELU" },
  { op: "conv", h: 10, w: 10, c: 12, oc: 9, k: [5, 3], s: [1, 2], d: [1, 1], pad: "SAME" },
  { op: "conv", h: 12, w: 12, c: 6, oc: 11, k: [3, 3], s: [1, 1], d: [2, 3], pad: "SAME" },
  { op: "conv", n: 2, h: 6, w: 7, c: 10, oc: 17, k: [2, 2], s: [2, 2], pad: "VALID", act: "NONE" },
  { op: "conv", h: 12, w: 12, c: 32, oc: 64, k: [1, 1], s: [1, 1], pad: "SAME" },
  { op: "conv", h: 5, w: 7, c: 33, oc: 13, k: [1, 1], s: [1, 1], pad: "VALID" },
  { op: "conv", h: 9, w: 9, c: 16, oc: 24, k: [1, 1], s: [2, 2], pad: "SAME" },
  { op: "fc", n: 3, h: 1, w: 1, c: 1000, oc: 37, act: "NONE" },
  { op: "fc", n: 1, h: 1, w: 1, c: 2048, oc: 10, act: "NONE" },
  { op: "fc", n: 5, h: 1, w: 1, c: 7, oc: 64 },
  { op: "conv", h: 8, w: 8, c: 9, oc: 12, k: [3, 3], s: [1, 1], pad: "SAME", act: "NONE", ys: 1 / 3000 },
  { op: "dwconv", h: 8, w: 9, c: 12, k: [3, 3], s: [1, 1], pad: "SAME", act: "NONE", ys: 1 / 800 },
  { op: "fc", n: 2, h: 1, w: 1, c: 40, oc: 12, act: "NONE", ys: 1 / 3000 },
  { op: "conv", h: 8, w: 8, c: 5, oc: 24, k: [3, 3], s: [1, 1], pad: "SAME", act: "NONE", wide: true },
  { op: "dwconv", h: 7, w: 7, c: 24, k: [3, 3], s: [1, 1], pad: "VALID", act: "NONE", wide: true },
  { op: "conv", h: 6, w: 6, c: 40, oc: 19, k: [1, 1], s: [1, 1], pad: "SAME", act: "NONE", wide: true },
];

const label = (sp: Spec): string =>
  sp.op === "fc"
    ? `wasm fc batch=${sp.n} in=${sp.c} out=${sp.oc} act=${sp.act ?? "RELU6"}` +
      (sp.ys ? ` out-scale x${sp.ys.toPrecision(2)} (multipliers > 1)` : "")
    : `wasm ${sp.op} k=${(sp.k ?? [1, 1]).join("x")} s=${(sp.s ?? [1, 1]).join(",")} d=${(sp.d ?? [1, 1]).join(",")} ` +
      `pad=${(sp.pad ?? "SAME").toLowerCase()} n=${sp.n ?? 1} in=${sp.h}x${sp.w} ch=${sp.c}` +
      (sp.op === "dwconv" ? ` mult=${sp.mult ?? 1}` : ` oc=${sp.oc}`) +
      ` act=${sp.act ?? "RELU6"}` +
      (sp.ys ? ` out-scale x${sp.ys.toPrecision(2)} (multipliers > 1)` : "") +
      (sp.wide ? " weight scales 1e-6..1e-1" : "");

describe("wasm add-on on explicit shapes vs native TFLite 2.9 and the core", () => {
  SPECS.forEach((sp, i) => {
    const name = label(sp);
    it(name, () => {
      const c = { ...single(sp, 100 + i), name };
      expect(check(c)).toBe(1);
    });
  });
});

describe("wasm add-on: ops of many models share instances", () => {
  it("mobilenet loaded first, 30 random models loaded after it (the shared memory grows), mobilenet and the first of them run again: same bytes as the core", () => {
    const mb = writeTflite(mobilenetV1());
    const input = mobilenetInput();
    const first = wasm.load(mb);
    const later = Array.from({ length: 30 }, (_, i) => randomCase(200 + i, i % 2 ? "conv" : "dwconv"));
    const loaded = later.map((c) => wasm.load(writeTflite(c.graph)) as typeof first);
    for (const run of [0, 1]) {
      first.input(0).set(input);
      first.invoke();
      expect(Array.from(first.output(0))).toEqual(outputs(core, mb, [input])[0]);
      const c = later[run] as Case;
      const m = loaded[run] as typeof first;
      m.input(0).set(c.inputs[0] as Int8Array);
      m.invoke();
      expect(Array.from(m.output(0))).toEqual(outputs(core, writeTflite(c.graph), c.inputs)[0]);
    }
  });
});
