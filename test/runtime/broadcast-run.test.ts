/**
 * broadcastIndex (runtime-int8/src/kernels/broadcast_run.ts) against broadcast.ts's offsetOf on
 * every element of seeded random broadcasts: per-channel, per-pixel, scalar, same shape, and ones
 * with no single run (which fall back to offsetOf).
 */
import { describe, expect, it } from "vitest";
import { broadcastStrides, offsetOf } from "../../runtime-int8/src/kernels/broadcast.js";
import { broadcastIndex } from "../../runtime-int8/src/kernels/broadcast_run.js";
import { prng } from "./gen.js";

describe("broadcastIndex equals offsetOf", () => {
  const r = prng(13);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  for (let k = 0; k < 200; k++) {
    const rank = int(1, 5);
    const out = Array.from({ length: rank }, () => (r() < 0.25 ? 1 : int(2, 5)));
    // the operand: each of its (right-aligned, possibly fewer) dims the output's or 1
    const drop = int(0, rank);
    const shape = out.slice(drop).map((n) => (r() < 0.4 ? 1 : n));
    it(`operand [${shape}] against [${out}]`, () => {
      const strides = broadcastStrides(shape, out);
      const index = broadcastIndex(shape, out);
      const size = out.reduce((a, v) => a * v, 1);
      for (let i = 0; i < size; i++) expect(index(i)).toBe(offsetOf(i, out, strides));
    });
  }
  it("refuses shapes that do not broadcast, as broadcastStrides", () => {
    expect(() => broadcastIndex([3], [2, 4])).toThrow("shape [3] does not broadcast to [2,4]");
  });
});
