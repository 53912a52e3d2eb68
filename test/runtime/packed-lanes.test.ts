/**
 * The add-on's integer tricks in doubles (runtime-int8/src/addons/fast/packed.ts) at their bounds:
 * lane1 (lane 1 of a pair sum lane0 + lane1 * 2^26 by a truncation) against Math.floor(a / 2^26
 * + 1/2) for lanes up to +-2^25, and rq's fast path (|acc| < 2^21, floor by a truncation of
 * acc m + 2^30 + 2^52) against the core's mbqm (runtime-int8/src/fixed.ts) plus the clamp, around
 * +-2^21 and with the extreme multipliers 2^30 and 2^31 - 1 for every right shift.
 */
import { describe, expect, it } from "vitest";
import { lane1, rq } from "../../runtime-int8/src/addons/fast/packed.js";
import { mbqm } from "../../runtime-int8/src/fixed.js";
import type { Geom } from "../../runtime-int8/src/index.js";
import { prng } from "./gen.js";

describe("add-on lane arithmetic", () => {
  it("lane1(lane0 + lane1 * 2^26) = lane1 for lanes in [-2^25, 2^25) (edges and 200k random pairs)", () => {
    const rnd = prng(71);
    const B = 33554432;
    const edges = [-B, -B + 1, -B + 2, -2, -1, 0, 1, 2, B - 2, B - 1];
    const pairs: [number, number][] = [];
    for (const l0 of edges) for (const l1 of edges) pairs.push([l0, l1]);
    for (let i = 0; i < 200000; i++)
      pairs.push([Math.floor((rnd() * 2 - 1) * B), Math.floor((rnd() * 2 - 1) * B)]);
    let bad = 0;
    for (const [l0, l1] of pairs) {
      const a = l0 + l1 * 67108864;
      const h = lane1(a);
      if ((h !== l1 || h !== Math.floor(a / 67108864 + 0.5) || a - h * 67108864 !== l0) && bad++ < 5)
        expect({ l0, l1, h }).toEqual({ l0, l1, h: l1 });
    }
    expect(bad).toBe(0);
  });

  it("rq = mbqm + clamp around acc = +-2^21 for multipliers 2^30, 2^30 + 1, 2^31 - 1 and random, right shifts 0..31", () => {
    const rnd = prng(72);
    const T = 2097152;
    const accs: number[] = [];
    for (const c of [-T, T, -T / 2, T / 2, 0]) for (let d = -4; d <= 4; d++) accs.push(c + d);
    for (let i = 0; i < 2000; i++) accs.push(Math.floor((rnd() * 2 - 1) * 2 * T));
    const ms = [1073741824, 1073741825, 2147483647, 1518500250];
    for (let i = 0; i < 8; i++) ms.push(1073741824 + Math.floor(rnd() * 1073741823));
    const g = { yz: -3, lo: -128, hi: 127 } as unknown as Geom;
    let n = 0;
    let bad = 0;
    for (const a of accs)
      for (const m of ms)
        for (let r = 0; r < 32; r++) {
          const want = Math.min(Math.max(mbqm(a, m, 0, r) - 3, -128), 127);
          const got = rq(g, a, m, 0, r);
          n++;
          if (got !== want && bad++ < 5) expect({ a, m, r, got }).toEqual({ a, m, r, got: want });
        }
    expect(bad).toBe(0);
    expect(n).toBe(accs.length * ms.length * 32);
  });
});
