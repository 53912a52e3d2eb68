/**
 * The arena plan: greedy placement never overlaps two buffers that are live at the same time
 * (random lifetimes), and an inverted-residual block (1x1 expand 8->48, 3x3 depthwise 48, 1x1
 * project 48->8, 12x12) runs its depthwise in place: the arena stays below the peak a plan
 * without in-place needs, with native TFLite 2.9's bytes.
 */
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import { greedy } from "../../runtime-int8/src/plan.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { prng } from "./gen.js";
import { checkCase, newTally } from "./parity.js";

describe("greedy arena plan", () => {
  it("500 random sets of 2..30 buffers (sizes 1..5000, align 4 and 16): live buffers never overlap, offsets aligned", () => {
    const r = prng(17);
    for (let t = 0; t < 500; t++) {
      const n = 2 + Math.floor(r() * 29);
      const size = Array.from({ length: n }, () => 1 + Math.floor(r() * 5000));
      const first = Array.from({ length: n }, () => Math.floor(r() * 20));
      const last = first.map((f) => f + Math.floor(r() * 6));
      const align = t % 2 ? 4 : 16;
      const p = greedy(size, first, last, align);
      for (let i = 0; i < n; i++) {
        expect(p.offsets[i]! % align).toBe(0);
        expect(p.offsets[i]! + size[i]!).toBeLessThanOrEqual(p.total);
        for (let j = i + 1; j < n; j++) {
          const live = first[i]! <= last[j]! && first[j]! <= last[i]!;
          const apart =
            p.offsets[i]! + size[i]! <= p.offsets[j]! || p.offsets[j]! + size[j]! <= p.offsets[i]!;
          if (live) expect(apart).toBe(true);
        }
      }
      // never worse than placing everything side by side
      expect(p.total).toBeLessThanOrEqual(size.reduce((a, s) => a + Math.ceil(s / align) * align, 0));
    }
  });
});

function invertedResidual(): Graph {
  const r = prng(3);
  const q = (s: number, z: number) => ({ scale: [Math.fround(s)], zeroPoint: [z], axis: 0 });
  const pc = (n: number, s: number, axis: number) => ({
    scale: Array.from({ length: n }, () => Math.fround(s * (0.5 + r()))),
    zeroPoint: new Array(n).fill(0),
    axis,
  });
  const w = (n: number) => Int8Array.from({ length: n }, () => Math.floor(r() * 255) - 127);
  const relu6 = q(6 / 255, -128);
  const conv = {
    padding: "SAME" as const,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    activation: "RELU6" as const,
  };
  return {
    tensors: [
      { name: "in", shape: [1, 12, 12, 8], dtype: "int8", quant: q(0.05, -10) },
      { name: "w1", shape: [48, 1, 1, 8], dtype: "int8", quant: pc(48, 0.01, 0), data: w(48 * 8) },
      { name: "b1", shape: [48], dtype: "int32", quant: pc(48, 0.0005, 0), data: new Int32Array(48) },
      { name: "e", shape: [1, 12, 12, 48], dtype: "int8", quant: relu6 },
      { name: "w2", shape: [1, 3, 3, 48], dtype: "int8", quant: pc(48, 0.02, 3), data: w(9 * 48) },
      { name: "b2", shape: [48], dtype: "int32", quant: pc(48, 0.0005, 0), data: new Int32Array(48) },
      { name: "d", shape: [1, 12, 12, 48], dtype: "int8", quant: relu6 },
      { name: "w3", shape: [8, 1, 1, 48], dtype: "int8", quant: pc(8, 0.01, 0), data: w(8 * 48) },
      { name: "b3", shape: [8], dtype: "int32", quant: pc(8, 0.0002, 0), data: new Int32Array(8) },
      { name: "out", shape: [1, 12, 12, 8], dtype: "int8", quant: q(0.1, 3) },
    ],
    ops: [
      { type: "CONV_2D", inputs: [0, 1, 2], outputs: [3], options: conv },
      {
        type: "DEPTHWISE_CONV_2D",
        inputs: [3, 4, 5],
        outputs: [6],
        options: { ...conv, depthMultiplier: 1 },
      },
      { type: "CONV_2D", inputs: [6, 7, 8], outputs: [9], options: { ...conv, activation: "NONE" } },
    ],
    inputs: [0],
    outputs: [9],
  };
}

describe("in-place depthwise (MCUNet)", () => {
  it("inverted residual 12x12 8->48->48->8: depthwise output shares its input's bytes, arena < expand+depthwise peak", () => {
    const g = invertedResidual();
    const m = load(writeTflite(g));
    expect(m.tensors[6]!.offset).toBe(m.tensors[3]!.offset);
    const plane = 12 * 12 * 48;
    // without in-place the depthwise needs input + output (2 planes of 48 channels) at once
    expect(m.arenaBytes).toBeLessThan(2 * plane);
    expect(m.arenaBytes).toBeLessThanOrEqual(plane + 12 * 12 * 8 + 12 * 12);
  });

  it("inverted residual: every op equals native TFLite 2.9, on the host kernels and on the Espruino plain kernels", () => {
    const g = invertedResidual();
    const input = Int8Array.from({ length: 12 * 12 * 8 }, (_, i) => ((i * 37) % 256) - 128);
    const tally = newTally();
    checkCase({ name: "inverted residual", graph: g, inputs: [input] }, tally);
    const G = globalThis as { E?: unknown };
    G.E = {};
    try {
      checkCase({ name: "inverted residual (Espruino plain kernels)", graph: g, inputs: [input] }, tally);
    } finally {
      delete G.E;
    }
    expect(tally.cases).toBe(2);
  });
});
