/**
 * The add-on's matrix multiply (runtime-int8/src/addons/fast/packed.ts mm: FULLY_CONNECTED and 1x1 conv,
 * pixel pairs two to a double) on FULLY_CONNECTED models with and without a weights zero point
 * (folded into a copy of the weights at load), at the lane bounds the kernel claims exact
 * (K < 2048 without a weights offset, K < 1028 with one; past them it leaves the op to the core):
 * the sources with the add-on must give the core's plain loops' bytes and native TFLite 2.9's.
 */
import { afterAll, describe, expect, it } from "vitest";
import { fast, load, use } from "../../runtime-int8/src/addons/fast/fast.js";
import type { Fast } from "../../runtime-int8/src/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Case, prng } from "./gen.js";
import { checkCase, newTally } from "./parity.js";

const NONE: Fast = { conv: () => undefined, dw: () => undefined, mm: () => undefined };
let taken = 0;
/** The add-on, counting the ops its mm takes. */
const COUNTED: Fast = {
  conv: fast.conv,
  dw: fast.dw,
  mm: (g) => {
    const e = fast.mm(g);
    if (e) taken++;
    return e;
  },
};

/**
 * y[P, OC] = FULLY_CONNECTED(x[P, K], w[OC, K] with zero point -wz). extreme: x = -128 and
 * w + wz = the largest magnitude at about 90% of the positions (lane sums near their bound).
 */
function fcCase(
  P: number,
  K: number,
  OC: number,
  wz: number,
  extreme: boolean,
  seed: number,
): Case & { taken: boolean } {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const big = wz > 0 ? 127 : -128;
  const x = Int8Array.from({ length: P * K }, () => (extreme && r() < 0.9 ? -128 : int(-128, 127)));
  const w = Int8Array.from({ length: OC * K }, () => (extreme && r() < 0.9 ? big : int(-128, 127)));
  const b = Int32Array.from({ length: OC }, () => int(-5000, 5000));
  const sx = 0.02;
  const sw = 0.01;
  // the output scale maps the largest |accumulator| (computed here exactly) to 120
  let most = 1;
  for (let p = 0; p < P; p++)
    for (let k = 0; k < OC; k++) {
      let a = b[k] as number;
      for (let i = 0; i < K; i++) a += ((x[p * K + i] as number) - 3) * ((w[k * K + i] as number) + wz);
      most = Math.max(most, Math.abs(a));
    }
  const sy = Math.fround((sx * sw * most) / 120);
  const g: Graph = {
    tensors: [
      { name: "x", shape: [P, K], dtype: "int8", quant: { scale: [sx], zeroPoint: [3], axis: 0 } },
      {
        name: "w",
        shape: [OC, K],
        dtype: "int8",
        quant: { scale: [sw], zeroPoint: [-wz], axis: 0 },
        data: w,
      },
      {
        name: "b",
        shape: [OC],
        dtype: "int32",
        quant: { scale: [Math.fround(sx * sw)], zeroPoint: [0], axis: 0 },
        data: b,
      },
      { name: "y", shape: [P, OC], dtype: "int8", quant: { scale: [sy], zeroPoint: [0], axis: 0 } },
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
  return {
    name: `mm P=${P} K=${K} OC=${OC} wz=${wz}${extreme ? " extreme" : ""}${K < (wz ? 1028 : 2048) ? "" : " (left to the core)"}`,
    graph: g,
    inputs: [x],
    taken: K < (wz ? 1028 : 2048),
  };
}

function run(c: Case): number[] {
  const m = load(writeTflite(c.graph));
  m.input(0).set(c.inputs[0] as Int8Array);
  m.invoke();
  return Array.from(m.output(0));
}

const CASES = [
  fcCase(9, 33, 5, -3, false, 1),
  fcCase(1, 256, 10, 7, false, 2),
  fcCase(7, 64, 9, -127, false, 3),
  fcCase(2, 17, 4, 0, false, 4),
  fcCase(4, 1027, 3, 128, true, 5),
  fcCase(3, 1027, 2, -127, true, 6),
  fcCase(3, 1028, 2, 128, true, 7),
  fcCase(3, 2047, 2, 0, true, 8),
  fcCase(2, 2048, 2, 0, true, 9),
];

afterAll(() => {
  use(fast);
});

describe("add-on mm (FULLY_CONNECTED, weights offset folded at load) vs the core's loops and native TFLite 2.9", () => {
  for (const c of CASES)
    it(c.name, () => {
      use(COUNTED);
      taken = 0;
      const withAddOn = run(c);
      expect(taken).toBe(c.taken ? 1 : 0);
      use(NONE);
      const core = run(c);
      use(fast);
      expect(withAddOn).toEqual(core);
      const t = newTally();
      checkCase(c, t);
      expect(t.cases).toBe(1);
    });
});
