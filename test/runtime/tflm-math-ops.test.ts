/**
 * The runtime's LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, PRELU and SUB against TFLite Micro's own
 * reference kernels: test/runtime/golden/tflm-math-ops.json holds their outputs (a harness compiled
 * from tflite-micro's sources by tflm-math-ops.gen.ts) for 264 seeded parameter sets, each over
 * every int8 input. Each case is written as a one-op model and run through the runtime's load();
 * every byte must be equal, and where TFLite Micro's Prepare refuses the parameters, so must load().
 * Also: the SUB cases include ones where TFLite Micro's float32 multipliers (sub_common.cc) and
 * TFLite's double ones give different bytes, so the test tells the two apart.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import type { Activation, Graph, QuantParams } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Golden, type GoldenCase, subWithDoubleMultipliers } from "./golden/tflm-math-ops.gen.js";

const golden = JSON.parse(
  readFileSync(new URL("./golden/tflm-math-ops.json", import.meta.url), "utf8"),
) as Golden;

const q = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [scale],
  zeroPoint: [zeroPoint],
  axis: 0,
});
const ACTIVATIONS: Record<number, Activation> = { 0: "NONE", 1: "RELU", 3: "RELU6" };

/** The case as a one-op model (input: every int8 value, times values.length for PRELU / SUB) and its input. */
function model(c: GoldenCase): { graph: Graph; input: Int8Array } {
  const p = c.params as number[];
  const n = c.values?.length ?? 1;
  // PRELU: each int8 value n times (one per alpha); SUB: each once ([256, 1], against b [1, n])
  const k = c.op === "PRELU" ? n : 1;
  const input = new Int8Array(256 * k).map((_, i) => Math.floor(i / k) - 128);
  const g: Graph = { tensors: [], ops: [], inputs: [0], outputs: [1] };
  const shape = c.values ? [256, n] : [1, 256];
  const inShape = c.op === "SUB" ? [256, 1] : shape;
  const t = (name: string, sh: number[], quant: QuantParams, data?: Int8Array) => {
    g.tensors.push({ name, shape: sh, dtype: "int8", quant, ...(data ? { data } : {}) });
    return g.tensors.length - 1;
  };
  t("x", inShape, q(p[0] as number, p[1] as number));
  switch (c.op) {
    case "LOGISTIC":
      t("y", shape, q(1 / 256, -128));
      g.ops.push({ type: "LOGISTIC", inputs: [0], outputs: [1], options: {} });
      break;
    case "TANH":
      t("y", shape, q(1 / 128, 0));
      g.ops.push({ type: "TANH", inputs: [0], outputs: [1], options: {} });
      break;
    case "HARD_SWISH":
      t("y", shape, q(p[2] as number, p[3] as number));
      g.ops.push({ type: "HARD_SWISH", inputs: [0], outputs: [1], options: {} });
      break;
    case "LEAKY_RELU":
      t("y", shape, q(p[2] as number, p[3] as number));
      g.ops.push({ type: "LEAKY_RELU", inputs: [0], outputs: [1], options: { alpha: p[4] as number } });
      break;
    case "PRELU": {
      t("y", shape, q(p[4] as number, p[5] as number));
      const a = t("alpha", [n], q(p[2] as number, p[3] as number), Int8Array.from(c.values ?? []));
      g.ops.push({ type: "PRELU", inputs: [0, a], outputs: [1], options: {} });
      break;
    }
    case "SUB": {
      t("y", shape, q(p[4] as number, p[5] as number));
      const b = t("b", [1, n], q(p[2] as number, p[3] as number), Int8Array.from(c.values ?? []));
      const activation = ACTIVATIONS[p[6] as number] as Activation;
      g.ops.push({ type: "SUB", inputs: [0, b], outputs: [1], options: { activation } });
      break;
    }
  }
  return { graph: g, input };
}

describe(`runtime vs TFLite Micro's reference kernels (tflite-micro ${golden.tfliteMicro.slice(0, 12)})`, () => {
  for (const [i, c] of golden.cases.entries()) {
    const p = c.params.map((v) => (Number.isInteger(v) ? v : Math.fround(v).toPrecision(6)));
    const name = `${c.op} #${i} params [${p.join(", ")}]${c.values ? ` values [${c.values.join(", ")}]` : ""}`;
    it(c.out ? name : `${name}: refused at load, as TFLite Micro's Prepare refuses it`, () => {
      const { graph, input } = model(c);
      const bytes = writeTflite(graph);
      if (!c.out) {
        expect(() => load(bytes)).toThrow(new RegExp(`^edgeqrt: op 0 ${c.op}: `));
        return;
      }
      const m = load(bytes);
      m.input(0).set(input);
      m.invoke();
      const want = new Int8Array(Buffer.from(c.out, "base64"));
      const got = m.output(0) as Int8Array;
      const diffs: string[] = [];
      for (let e = 0; e < want.length; e++)
        if (got[e] !== want[e])
          diffs.push(`element ${e} (x ${input[e]}): runtime ${got[e]}, TFLite Micro ${want[e]}`);
      expect(diffs.slice(0, 5)).toEqual([]);
    });
  }

  it("covers every op, TFLite Micro's refusals, and SUB values where TFLite's double multipliers would differ", () => {
    const ops = new Set(golden.cases.map((c) => c.op));
    expect([...ops].sort()).toEqual(["HARD_SWISH", "LEAKY_RELU", "LOGISTIC", "PRELU", "SUB", "TANH"]);
    expect(golden.cases.filter((c) => !c.out).length).toBeGreaterThan(0);
    // SUB: where TFLite's double multiplier quotients would give other bytes than TFLite Micro's
    // float32 ones (those the runtime gives, above)
    let differing = 0;
    for (const c of golden.cases) {
      if (c.op !== "SUB" || c.params[6] !== 0 || !c.out) continue;
      const tflm = new Int8Array(Buffer.from(c.out, "base64"));
      subWithDoubleMultipliers(c).forEach((v, e) => {
        if (v !== tflm[e]) differing++;
      });
    }
    expect(differing).toBeGreaterThan(0);
  });
});

describe("load errors of the math ops name the op and the condition", () => {
  const one = (op: "LOGISTIC" | "TANH", xq: QuantParams, yq: QuantParams): Uint8Array =>
    writeTflite({
      tensors: [
        { name: "x", shape: [1, 4], dtype: "int8", quant: xq },
        { name: "y", shape: [1, 4], dtype: "int8", quant: yq },
      ],
      ops: [{ type: op, inputs: [0], outputs: [1], options: {} }],
      inputs: [0],
      outputs: [1],
    });
  it("LOGISTIC with output quantization (0.01, 0)", () => {
    expect(() => load(one("LOGISTIC", q(0.05, 0), q(0.01, 0)))).toThrow(
      "edgeqrt: op 0 LOGISTIC: output quantization must be (1/256, -128)",
    );
  });
  it("TANH with output quantization (1/256, -128)", () => {
    expect(() => load(one("TANH", q(0.05, 0), q(1 / 256, -128)))).toThrow(
      "edgeqrt: op 0 TANH: output quantization must be (1/128, 0)",
    );
  });
  it("LOGISTIC with input scale 1e-9 (below the reference kernel's 2^-28)", () => {
    expect(() => load(one("LOGISTIC", q(Math.fround(1e-9), 0), q(1 / 256, -128)))).toThrow(
      "edgeqrt: op 0 LOGISTIC: input scale < 2^-28",
    );
  });
});
