/**
 * The runtime on real converter-made int8 models (../shared/reference-models): outputs equal
 * both the values their README publishes and native TFLite 2.9 on the same input.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refDir } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";
import { randomCase } from "./gen.js";

const bytes = (f: string) => new Uint8Array(readFileSync(resolve(refDir, f)));

/** README-published outputs of native TFLite. */
const CASES: { model: string; input: string; float?: boolean; expected: number[] }[] = [
  { model: "hello_world_int8", input: "hello_in_-96.raw", expected: [89] },
  { model: "hello_world_int8", input: "hello_in_-63.raw", expected: [125] },
  { model: "hello_world_int8", input: "hello_in_-34.raw", expected: [93] },
  { model: "hello_world_int8", input: "hello_in_0.raw", expected: [4] },
  {
    model: "micro_speech_quantized",
    input: "yes_micro_features_int8.raw",
    expected: [-128, -128, 127, -128],
  },
  { model: "micro_speech_quantized", input: "no_micro_features_int8.raw", expected: [-128, -114, -128, 114] },
  {
    model: "test_conv_model",
    input: "test_conv_random_f32.raw",
    float: true,
    expected: [
      -0.2286050021648407, -0.22555693984031677, 0.19507627189159393, 0.2560375928878784, 0.08534587174654007,
      0.14630720019340515, 0.33833539485931396, -0.43892160058021545, -0.07924973219633102,
      0.10363426804542542,
    ],
  },
];

describe("runtime on reference models vs README outputs and native TFLite 2.9", () => {
  for (const c of CASES) {
    it(`${c.model} input=${c.input}`, () => {
      const model = bytes(`${c.model}.tflite`);
      const raw = bytes(c.input);
      const input = c.float
        ? new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4)
        : new Int8Array(raw.buffer, raw.byteOffset, raw.length);
      const m = load(model);
      m.input(0).set(input);
      m.invoke();
      const out = Array.from(m.output(0));
      expect(out).toEqual(c.expected.map((v) => (c.float ? Math.fround(v) : v)));
      const native = loadNative(model).run([input])[0]!;
      expect(out).toEqual(Array.from(native));
    });
  }

  it("micro_speech: a reused model and a fresh one give the same bytes (no state between invokes)", () => {
    const model = bytes("micro_speech_quantized.tflite");
    const a = load(model);
    const b = load(model);
    const yes = bytes("yes_micro_features_int8.raw");
    const no = bytes("no_micro_features_int8.raw");
    a.input(0).set(new Int8Array(yes.buffer, yes.byteOffset, yes.length));
    a.invoke();
    a.input(0).set(new Int8Array(no.buffer, no.byteOffset, no.length));
    a.invoke();
    b.input(0).set(new Int8Array(no.buffer, no.byteOffset, no.length));
    const seen: number[][] = [];
    b.invoke((k) => seen.push(Array.from(b.tensor(b.ops[k]!.outputs[0]!))));
    expect(seen.length).toBe(4);
    expect(Array.from(a.output(0))).toEqual(seen[3]);
  });

  it("micro_speech and test_conv_model loaded at byte offset 1 (misaligned int32/float32 data) give the same bytes", () => {
    for (const [model, input, float] of [
      ["micro_speech_quantized", "yes_micro_features_int8.raw", false],
      ["test_conv_model", "test_conv_random_f32.raw", true],
    ] as const) {
      const b = bytes(`${model}.tflite`);
      const shifted = new Uint8Array(b.length + 1);
      shifted.set(b, 1);
      const raw = bytes(input);
      const x = float
        ? new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4)
        : new Int8Array(raw.buffer, raw.byteOffset, raw.length);
      const run = (u: Uint8Array) => {
        const m = load(u);
        m.input(0).set(x);
        m.invoke();
        return Array.from(m.output(0));
      };
      const weights = load(shifted.subarray(1)).tensors.filter((t) => t.data && t.type === 9);
      expect(weights.length).toBeGreaterThan(0);
      // int8 weights are views into the file (never copied), even when misaligned
      for (const t of weights) expect((t as { view?: Int8Array }).view?.buffer).toBe(shifted.buffer);
      expect(run(shifted.subarray(1))).toEqual(run(b));
    }
  });

  it("a depthwise bias with quantized_dimension 3 on its one axis (old converters) runs as with axis 0", () => {
    const c = randomCase(7, "dwconv");
    const dw = c.graph.ops[0]!;
    const withAxis = (axis: number): Graph => ({
      ...c.graph,
      tensors: c.graph.tensors.map((t, i) =>
        i === dw.inputs[2] ? { ...t, quant: { ...t.quant!, axis } } : t,
      ),
    });
    const run = (g: Graph) => {
      const m = load(writeTflite(g));
      m.input(0).set(c.inputs[0]!);
      m.invoke();
      return Array.from(m.output(0));
    };
    const quirky = load(writeTflite(withAxis(3)));
    expect(quirky.tensors[dw.inputs[2]!]!.axis).toBe(3);
    const ref = run(withAxis(0));
    expect(run(withAxis(3))).toEqual(ref);
    expect(ref).toEqual(Array.from(loadNative(writeTflite(withAxis(0))).run(c.inputs)[0]!));
  });

  it("arena of micro_speech is planned below the sum of its activations", () => {
    const m = load(bytes("micro_speech_quantized.tflite"));
    let naive = 0;
    for (const t of m.tensors) if (!t.data && t.offset >= 0) naive += t.size;
    expect(m.arenaBytes).toBeGreaterThan(0);
    expect(m.arenaBytes).toBeLessThan(naive);
  });
});
