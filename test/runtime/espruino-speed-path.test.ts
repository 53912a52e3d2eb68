/**
 * The Espruino path of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and the global AVERAGE_POOL_2D
 * (issue 12 item 4): E.convolve per dot product, requantization as one multiply-add stored into a
 * Uint8ClampedArray and one E.mapInPlace through a table (kernels/requantize.ts
 * floorRequantization). Here E is a JS stand-in with Espruino's documented semantics; the real
 * interpreter runs the built bundle in test/espruino/speed-path.test.ts. Everything must give the
 * host kernels' bytes.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/addons/fast/fast.js";
import { quantizeMultiplier } from "../../runtime-int8/src/fixed.js";
import { clampTable, floorRequantization, requantize } from "../../runtime-int8/src/kernels/requantize.js";
import type { Q } from "../../runtime-int8/src/types.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { GraphBuilder } from "../helpers/models.js";
import { refDir } from "../helpers/refmodels.js";
import { demoDsCnn, demoDsCnnInput } from "./demo-dscnn.js";
import { type Kind, prng, randomCase } from "./gen.js";

const g = globalThis as { E?: unknown };
afterEach(() => {
  delete g.E;
});

interface Counts {
  convolve: number;
  mapInPlace: number;
}

/** Loads with a stand-in E (Espruino's semantics) or none (host kernels: the add-on where it takes the op), runs, returns the outputs. */
function run(bytes: Uint8Array, inputs: ArrayLike<number>[], withE: boolean, counts?: Counts): number[][] {
  if (withE)
    g.E = {
      convolve(a: ArrayLike<number>, b: ArrayLike<number>, o: number): number {
        if (counts) counts.convolve++;
        let v = 0;
        for (let i = 0; i < a.length; i++) v += (a[i] as number) * (b[(i + o) % b.length] as number);
        return v;
      },
      sum(a: ArrayLike<number>): number {
        let v = 0;
        for (let i = 0; i < a.length; i++) v += a[i] as number;
        return v;
      },
      mapInPlace(
        from: ArrayLike<number>,
        to: { [i: number]: number; length: number },
        map: ArrayLike<number>,
      ): void {
        if (counts) counts.mapInPlace++;
        for (let i = 0; i < from.length && i < to.length; i++) to[i] = map[from[i] as number] as number;
      },
    };
  const m = load(bytes);
  delete g.E;
  inputs.forEach((x, i) => {
    m.input(i).set(x);
  });
  m.invoke();
  return m.outputs.map((_, k) => Array.from(m.output(k)));
}

/** The floor form of one output, as the Espruino path computes it (acc = a + ws). */
function floorOutput(q: Q, ws: number, bound: number, acc: number): number | undefined {
  const f = floorRequantization(q, [ws], [bound]);
  if (!f) return undefined;
  const a = acc - ws;
  const v =
    a * (f[0]?.[0] as number) + (a < (f[3]?.[0] as number) ? (f[2]?.[0] as number) : (f[1]?.[0] as number));
  const u = new Uint8ClampedArray(1);
  u[0] = v | 0;
  return clampTable(q)[u[0] as number];
}

describe("floorRequantization: one multiply-add and a table give MultiplyByQuantizedMultiplier + zero point + clamp", () => {
  for (const [label, lo, hi] of [
    ["real multipliers 1e-4..1 (right shifts)", -4, 0],
    ["real multipliers 1..8 (left shifts)", 0, 0.9],
  ] as const) {
    it(`${label}, random accumulators and every rounding boundary in the output range, zero points and activation ranges`, () => {
      const r = prng(lo * 100 + 7);
      let checked = 0;
      let refused = 0;
      for (let t = 0; t < 120; t++) {
        const real = 10 ** (lo + (hi - lo) * r());
        const [m, shift] = quantizeMultiplier(real) as [number, number];
        const yz = Math.floor(r() * 256) - 128;
        const a0 = Math.floor(r() * 256) - 128;
        const a1 = Math.floor(r() * 256) - 128;
        const q: Q = {
          m: new Int32Array([m]),
          l: new Int32Array([Math.max(shift, 0)]),
          r: new Int32Array([Math.max(-shift, 0)]),
          lo: r() < 0.5 ? Math.min(a0, a1) : yz < -128 ? -128 : Math.max(yz, -128),
          hi: Math.max(a0, a1, yz),
          yz,
        };
        const ws = Math.floor((r() - 0.5) * 2 ** (1 + 20 * r()));
        // the accumulators that reach the unclamped outputs, and random ones up to the bound
        const span = Math.min(2 ** 24, Math.ceil(300 / real) + 10);
        const bound = Math.min(Math.floor(2 ** 30 / 2 ** q.l[0]!), span * (1 + Math.floor(4 * r())));
        const accs: number[] = [];
        for (let i = 0; i < 60; i++) accs.push(Math.round((r() - 0.5) * 2 * bound));
        // near each boundary between outputs: acc with acc * real + 0.5 close to an integer
        for (let y = -140; y <= 140; y++) {
          const c = Math.round((y - 0.5) / real);
          for (let d = -1; d <= 1; d++) if (Math.abs(c + d) <= bound) accs.push(c + d);
        }
        for (const acc of accs) {
          const got = floorOutput(q, ws, bound, acc);
          if (got === undefined) {
            refused++;
            break;
          }
          expect(got, `acc ${acc} m ${m} shift ${shift} yz ${yz} ws ${ws}`).toBe(requantize(q, 0, acc));
          checked++;
        }
      }
      // the exactness condition refuses only very large bounds: most cases are checked
      expect(refused).toBeLessThan(12);
      expect(checked).toBeGreaterThan(80000);
    });
  }

  it("refuses (undefined: the op keeps the portable loop) where |acc| m 2^l would pass 2^53 or acc << l would wrap", () => {
    const q: Q = {
      m: new Int32Array([2 ** 30 + 12345]),
      l: new Int32Array([0]),
      r: new Int32Array([3]),
      lo: -128,
      hi: 127,
      yz: 0,
    };
    expect(floorRequantization(q, [0], [2 ** 21])).toBeDefined();
    expect(floorRequantization(q, [0], [2 ** 23])).toBeUndefined();
    const left: Q = { ...q, l: new Int32Array([4]), r: new Int32Array([0]) };
    expect(floorRequantization(left, [0], [2 ** 18])).toBeDefined();
    expect(floorRequantization(left, [0], [2 ** 27])).toBeUndefined();
    // right shifts past 13 (real multipliers below 2^-14): 257 * 2^(31 + r) alone passes 2^53
    expect(floorRequantization({ ...q, r: new Int32Array([14]) }, [0], [1])).toBeUndefined();
  });
});

/** A global average pool [N, H, W, C] -> [N, 1, 1, C] (the importer's GlobalAveragePooling2D). */
function globalPool(seed: number): { name: string; graph: Graph; inputs: Int8Array[] } {
  const r = prng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const [n, h, w, c] = [int(1, 2), int(1, 9), int(1, 9), int(1, 20)];
  const m = new GraphBuilder();
  const q = { scale: [Math.fround(0.02 + r() * 0.1)], zeroPoint: [int(-128, 127)], axis: 0 };
  const x = m.tensor("x", [n, h, w, c], "int8", undefined, q);
  const y = m.tensor("y", [n, 1, 1, c], "int8", undefined, q);
  const activation = (["NONE", "RELU", "RELU6"] as const)[int(0, 2)] as "NONE";
  m.op("AVERAGE_POOL_2D", [x], [y], {
    padding: "VALID",
    strideH: 1,
    strideW: 1,
    filterH: h,
    filterW: w,
    activation,
  });
  m.g.inputs = [x];
  m.g.outputs = [y];
  return {
    name: `global avgpool ${n}x${h}x${w}x${c} ${activation}`,
    graph: m.g,
    inputs: [new Int8Array(n * h * w * c).map(() => int(-128, 127))],
  };
}

describe("the Espruino path (stand-in E) gives the host kernels' bytes", () => {
  const plan: [Kind, number][] = [
    ["conv", 30],
    ["conv1x1", 15],
    ["dwconv", 30],
    ["fc", 15],
  ];
  for (const [kind, count] of plan) {
    it(`${count} random ${kind} ops (strides, dilations, SAME/VALID, depth multipliers, batch 2, activations, zero points)`, () => {
      let espruino = 0;
      for (let i = 0; i < count; i++) {
        const c = randomCase(4100 + i * 7, kind);
        const bytes = writeTflite(c.graph);
        const counts = { convolve: 0, mapInPlace: 0 };
        expect(run(bytes, c.inputs, true, counts), c.name).toEqual(run(bytes, c.inputs, false));
        if (counts.mapInPlace) espruino++;
      }
      // (a dilated CONV_2D or an exactness refusal keeps the portable loop; most take the new path)
      expect(espruino).toBeGreaterThan(count / 2);
    });
  }

  it("12 random global average pools, one E.convolve per channel", () => {
    for (let i = 0; i < 12; i++) {
      const c = globalPool(600 + i);
      const bytes = writeTflite(c.graph);
      const counts = { convolve: 0, mapInPlace: 0 };
      expect(run(bytes, c.inputs, true, counts), c.name).toEqual(run(bytes, c.inputs, false));
      expect(counts.convolve, c.name).toBe(
        c.inputs[0]?.length
          ? (c.graph.tensors[1]?.shape[3] as number) * (c.graph.tensors[0]?.shape[0] as number)
          : 0,
      );
    }
  });

  it("an input reaching past byte 65535 of the arena (Espruino keeps view offsets in 16 bits) keeps the portable loop", () => {
    const m = new GraphBuilder();
    const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 });
    const x = m.tensor("x", [1, 96, 96, 8], "int8", undefined, q(0.05, 3));
    const w = m.tensor(
      "w",
      [4, 3, 3, 8],
      "int8",
      new Int8Array(288).map((_, i) => ((i * 29) % 255) - 127),
      q(0.01, 0),
    );
    const y = m.tensor("y", [1, 96, 96, 4], "int8", undefined, q(0.2, -5));
    m.op("CONV_2D", [x, w, -1], [y], {
      padding: "SAME",
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      activation: "NONE",
    });
    m.g.inputs = [x];
    m.g.outputs = [y];
    const bytes = writeTflite(m.g);
    const input = new Int8Array(96 * 96 * 8).map((_, i) => ((i * 7) % 256) - 128);
    const counts = { convolve: 0, mapInPlace: 0 };
    expect(run(bytes, [input], true, counts)).toEqual(run(bytes, [input], false));
    expect(counts.mapInPlace).toBe(0);
    expect(counts.convolve).toBeGreaterThan(0);
  });

  it("micro_speech (DEPTHWISE_CONV_2D 10x8 stride 2 on one channel, multiplier 8; FC 4000 -> 4)", () => {
    const bytes = new Uint8Array(readFileSync(`${refDir}/micro_speech_quantized.tflite`));
    const input = new Int8Array(1960).map((_, i) => ((i * 37 + 11) % 256) - 128);
    const counts = { convolve: 0, mapInPlace: 0 };
    expect(run(bytes, [input], true, counts)).toEqual(run(bytes, [input], false));
    expect(counts.mapInPlace).toBe(1);
  });

  it("the demo-shaped DS-CNN (28x28x1, 4 separable blocks, global pool, FC 10)", () => {
    const bytes = writeTflite(demoDsCnn(1));
    for (const seed of [1, 2]) {
      const counts = { convolve: 0, mapInPlace: 0 };
      expect(run(bytes, [demoDsCnnInput(seed)], true, counts)).toEqual(
        run(bytes, [demoDsCnnInput(seed)], false),
      );
      // every CONV_2D and DEPTHWISE_CONV_2D, and the FC, on the Espruino path
      expect(counts.mapInPlace).toBe(10);
    }
  });
});
