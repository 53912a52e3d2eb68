/**
 * The runtime's fixed-point primitives against BigInt / double definitions of TFLite's
 * reference arithmetic, on edge values and seeded random values; and a source scan that the
 * runtime uses no Math.imul / Math.round / Math.clz32 / `**`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mbqm, quantizeMultiplier, rdbpot, roundAway, srdhm } from "../../runtime-int8/src/fixed.js";
import { repoRoot } from "../helpers/refmodels.js";
import { prng } from "./gen.js";

const MIN = -(2 ** 31);
const MAX = 2 ** 31 - 1;

function srdhmRef(a: number, b: number): number {
  if (a === MIN && b === MIN) return MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n));
}

function rdbpotRef(x: number, e: number): number {
  // x / 2^e rounded half away from zero, exactly
  const q = Math.floor(Math.abs(x) / 2 ** e);
  const rem = Math.abs(x) - q * 2 ** e;
  const r = rem * 2 >= 2 ** e && e > 0 ? q + 1 : q;
  return x < 0 && r !== 0 ? -r : r;
}

const edges = [
  MIN,
  MIN + 1,
  -(2 ** 30),
  -65537,
  -65536,
  -32769,
  -1,
  0,
  1,
  32767,
  65535,
  65536,
  2 ** 30,
  MAX - 1,
  MAX,
];

describe("fixed point vs BigInt reference", () => {
  it("srdhm: all pairs of 15 edge values and 200000 random int32 pairs", () => {
    for (const a of edges) for (const b of edges) expect(srdhm(a, b), `${a} ${b}`).toBe(srdhmRef(a, b));
    const r = prng(7);
    const i32 = () => (Math.floor(r() * 2 ** 32) | 0) >> Math.floor(r() * 31);
    let bad = 0;
    for (let i = 0; i < 200_000; i++) {
      const a = i32();
      const b = i32();
      if (srdhm(a, b) !== srdhmRef(a, b)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("rdbpot: exponents 0..31 on edge and random values, ties away from zero", () => {
    const r = prng(11);
    for (let e = 0; e <= 31; e++) {
      for (const x of edges) expect(rdbpot(x, e), `${x} >> ${e}`).toBe(rdbpotRef(x, e));
      for (let i = 0; i < 2000; i++) {
        const x = Math.floor(r() * 2 ** 32) | 0;
        expect(rdbpot(x, e)).toBe(rdbpotRef(x, e));
      }
    }
    expect(rdbpot(-5, 1)).toBe(-3);
    expect(rdbpot(5, 1)).toBe(3);
    expect(rdbpot(-6, 2)).toBe(-2);
  });

  it("quantizeMultiplier: q in [2^30, 2^31), q * 2^(shift-31) within half an ulp of Q31, for 1e-12..1e3", () => {
    const r = prng(3);
    for (let i = 0; i < 20_000; i++) {
      const d = 10 ** (-12 + 15 * r());
      const [q, s] = quantizeMultiplier(d) as [number, number];
      if (s < -31 || q === 0) continue;
      expect(q).toBeGreaterThanOrEqual(2 ** 30);
      expect(q).toBeLessThan(2 ** 31);
      // d * 2^(31 - s) rounds to q (ties away from zero)
      const exact = d * 2 ** (31 - s);
      expect(Math.abs(exact - q)).toBeLessThanOrEqual(0.5);
    }
    expect(quantizeMultiplier(0)).toEqual([0, 0]);
    expect(quantizeMultiplier(0.5)).toEqual([2 ** 30, 0]);
    expect(quantizeMultiplier(1)).toEqual([2 ** 30, 1]);
    // rounds up to 2^31: renormalised
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual([2 ** 30, 1]);
    // below 2^-32: zero, as TFLite
    expect(quantizeMultiplier(2 ** -40)).toEqual([0, 0]);
  });

  it("mbqm with left shift 2 and right shift 5 matches the composed reference", () => {
    const r = prng(5);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.floor((r() * 2 - 1) * 2 ** 28);
      const m = 2 ** 30 + Math.floor(r() * 2 ** 30);
      expect(mbqm(x, m, 2, 0)).toBe(srdhmRef(x * 4, m));
      expect(mbqm(x, m, 0, 5)).toBe(rdbpotRef(srdhmRef(x, m), 5));
    }
  });

  it("roundAway: halves go away from zero, like std::round", () => {
    expect(
      [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -0.49999999999999994].map(roundAway),
    ).toEqual([-3, -2, -1, 1, 2, 3, 0, -0]);
  });
});

describe("runtime source uses no Espruino-missing or differently-rounding built-ins", () => {
  it("no Math.imul / Math.round / Math.clz32 / Math.fround / ** in runtime-int8/src", () => {
    const dir = join(repoRoot, "runtime-int8/src");
    // every .ts under src (kernels/, addons/ and the rest)
    const files = (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f));
    const ts = files.filter((f) => f.endsWith(".ts"));
    expect(ts.length).toBeGreaterThan(30);
    for (const f of ts) {
      const src = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(src, f).not.toMatch(/Math\.(imul|round|clz32|fround)|\*\*/);
    }
  });
});
