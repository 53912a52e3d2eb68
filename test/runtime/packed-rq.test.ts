/**
 * The add-on's requantization (runtime-int8/src/addons/fast/packed.ts rq: one exact floor for
 * SaturatingRoundingDoublingHighMul and a branch-free RoundingDivideByPOT and clamp on its fast
 * path) against the core's mbqm (runtime-int8/src/fixed.ts) plus the clamp, on edge and seeded
 * random accumulators, multipliers, shifts, zero points and activation ranges.
 */
import { describe, expect, it } from "vitest";
import { rq } from "../../runtime-int8/src/addons/fast/packed.js";
import { mbqm } from "../../runtime-int8/src/fixed.js";
import type { Geom } from "../../runtime-int8/src/index.js";
import { prng } from "./gen.js";

function ref(a: number, m: number, l: number, r: number, yz: number, lo: number, hi: number): number {
  return Math.min(Math.max(mbqm(a | 0, m, l, r) + yz, lo), hi);
}

describe("add-on requantization rq", () => {
  it("equals mbqm + clamp on edges (fast-path bounds +-2^22, signs, ties) and random values", () => {
    const rnd = prng(61);
    const accs = [
      0, 1, -1, 2, -2, 4194303, -4194303, 4194304, -4194304, 2147483647, -2147483648, 12345, -12345,
    ];
    const ms = [0, 1, 1073741824, 1073741825, 2147483647, 1518500250, 1999999999];
    const ranges = [
      [-128, 127],
      [-5, 127],
      [-128, 20],
      [0, 0],
      [17, 90],
    ];
    let n = 0;
    let bad = 0;
    for (let it = 0; it < 400000; it++) {
      const e = it < 20000;
      const a = e
        ? (accs[it % accs.length] as number) + ((it >> 4) % 5) - 2
        : it % 3 === 0
          ? Math.floor((rnd() - 0.5) * 8388608)
          : Math.floor((rnd() - 0.5) * 4294967296);
      const m = e ? (ms[(it >> 3) % ms.length] as number) : 1073741824 + Math.floor(rnd() * 1073741823);
      const r = it % 32;
      const l = it % 7 === 0 ? (it >> 5) % 4 : 0;
      const rg = ranges[it % ranges.length] as number[];
      const yz = Math.floor(rnd() * 256) - 128;
      const g = { yz, lo: rg[0], hi: rg[1] } as unknown as Geom;
      const want = ref(a, m, l, r, yz, rg[0] as number, rg[1] as number);
      const got = rq(g, a, m, l, r);
      n++;
      if (got !== want && bad++ < 5) expect({ a, m, l, r, yz, got }).toEqual({ a, m, l, r, yz, got: want });
    }
    expect(bad).toBe(0);
    expect(n).toBe(400000);
  });
});
