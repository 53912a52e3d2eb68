import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import type { Graph, Op, Tensor } from "../../toolchain/ir/types.js";
import { maxAbsDiff, rng, tf } from "../import/tfjs-models.js";

const rand = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

/** One-op graph: inputs (activations first, then constants), one output. */
function oneOp(ins: Tensor[], out: Tensor, op: Omit<Op, "inputs" | "outputs">): Graph {
  const tensors = [...ins, out];
  return {
    tensors,
    ops: [{ ...op, inputs: ins.map((_, i) => i), outputs: [ins.length] } as Op],
    inputs: ins.flatMap((t, i) => (t.data ? [] : [i])),
    outputs: [ins.length],
  };
}

const act = (name: string, shape: number[]): Tensor => ({ name, shape, dtype: "float32" });

describe("float executor ops vs tfjs ops (cpu backend)", () => {
  it("MEAN axes [1,2] keepDims=false and axes [2] keepDims=true over [2,5,4,3]", () => {
    const x = rand(120, 1);
    for (const [axes, keep] of [
      [[1, 2], false],
      [[2], true],
    ] as const) {
      const want = tf.tidy(() => tf.mean(tf.tensor(x, [2, 5, 4, 3]), [...axes], keep).dataSync());
      const ax = { name: "axes", shape: [axes.length], dtype: "int32" as const, data: new Int32Array(axes) };
      const g = oneOp([act("x", [2, 5, 4, 3]), ax], act("y", []), {
        type: "MEAN",
        options: { keepDims: keep },
      });
      const got = runFloat(g, [x]).outputs[0]!;
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    }
  });

  it("ADD and MUL broadcast [1,4,4,3] with [3] and with [1,1,4,1]", () => {
    const a = rand(48, 2);
    for (const bs of [[3], [1, 1, 4, 1]]) {
      const n = bs.reduce((p, q) => p * q, 1);
      const b = rand(n, 3);
      for (const type of ["ADD", "MUL"] as const) {
        const want = tf.tidy(() =>
          (type === "ADD" ? tf.add : tf.mul)(tf.tensor(a, [1, 4, 4, 3]), tf.tensor(b, bs)).dataSync(),
        );
        const g = oneOp([act("a", [1, 4, 4, 3]), act("b", bs)], act("y", [1, 4, 4, 3]), {
          type,
          options: { activation: "NONE" },
        });
        expect(maxAbsDiff(runFloat(g, [a, b]).outputs[0]!, want)).toBeLessThan(1e-6);
      }
    }
  });

  it("PAD [[0,0],[1,2],[2,0],[0,1]] of [1,3,3,2] and CONCATENATION axis 3 of [1,2,2,1]+[1,2,2,3]", () => {
    const x = rand(18, 4);
    const pads = [0, 0, 1, 2, 2, 0, 0, 1];
    const want = tf.tidy(() =>
      tf
        .pad(tf.tensor(x, [1, 3, 3, 2]), [
          [0, 0],
          [1, 2],
          [2, 0],
          [0, 1],
        ])
        .dataSync(),
    );
    const pt = { name: "p", shape: [4, 2], dtype: "int32" as const, data: new Int32Array(pads) };
    const g = oneOp([act("x", [1, 3, 3, 2]), pt], act("y", [1, 6, 5, 3]), { type: "PAD", options: {} });
    expect(maxAbsDiff(runFloat(g, [x]).outputs[0]!, want)).toBe(0);
    const a = rand(4, 5);
    const b = rand(12, 6);
    const wantC = tf.tidy(() =>
      tf.concat([tf.tensor(a, [1, 2, 2, 1]), tf.tensor(b, [1, 2, 2, 3])], 3).dataSync(),
    );
    const c = oneOp([act("a", [1, 2, 2, 1]), act("b", [1, 2, 2, 3])], act("y", [1, 2, 2, 4]), {
      type: "CONCATENATION",
      options: { axis: 3, activation: "NONE" },
    });
    expect(maxAbsDiff(runFloat(c, [a, b]).outputs[0]!, wantC)).toBe(0);
  });

  it("SOFTMAX beta=0.5 over [2,7]; RELU6 of [10]", () => {
    const x = rand(14, 7).map((v) => v * 10);
    const want = tf.tidy(() => tf.softmax(tf.mul(tf.tensor(x, [2, 7]), 0.5)).dataSync());
    const g = oneOp([act("x", [2, 7])], act("y", [2, 7]), { type: "SOFTMAX", options: { beta: 0.5 } });
    expect(maxAbsDiff(runFloat(g, [x]).outputs[0]!, want)).toBeLessThan(1e-6);
    const r = oneOp([act("x", [14])], act("y", [14]), { type: "RELU6", options: {} });
    expect(Array.from(runFloat(r, [x]).outputs[0]!)).toEqual(
      Array.from(x, (v) => Math.min(6, Math.max(0, v))),
    );
  });

  it("int8 graph: constants dequantized per channel, QUANTIZE output fake-quantized (round half away from zero)", () => {
    const g: Graph = {
      tensors: [
        act("x", [1, 2]),
        { name: "q", shape: [1, 2], dtype: "int8", quant: { scale: [0.5], zeroPoint: [1], axis: 0 } },
        {
          name: "w",
          shape: [2, 2],
          dtype: "int8",
          data: new Int8Array([2, -4, 1, 3]),
          quant: { scale: [0.25, 0.5], zeroPoint: [0, 0], axis: 0 },
        },
        { name: "y", shape: [1, 2], dtype: "float32" },
      ],
      ops: [
        { type: "QUANTIZE", inputs: [0], outputs: [1], options: {} },
        {
          type: "FULLY_CONNECTED",
          inputs: [1, 2, -1],
          outputs: [3],
          options: { activation: "NONE", keepNumDims: false },
        },
      ],
      inputs: [0],
      outputs: [3],
    };
    const r = runFloat(g, [new Float32Array([0.75, -0.25])]);
    // 0.75/0.5 = 1.5 -> 2 (+1 zp) -> real 1.0; -0.25/0.5 = -0.5 -> -1 -> real -0.5
    expect(Array.from(r.values[1]!)).toEqual([1, -0.5]);
    // w rows dequantized: [0.5, -1] (scale 0.25) and [0.5, 1.5] (scale 0.5)
    expect(Array.from(r.outputs[0]!)).toEqual([1 * 0.5 + -0.5 * -1, 1 * 0.5 + -0.5 * 1.5]);
  });
});
