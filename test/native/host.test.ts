/**
 * (a) The native kernels (runtime-int8/native/kernels.c) compiled for the host with the system cc
 * (UndefinedBehaviorSanitizer), driven by the add-on's own glue through a
 * stand-in E (test/native/host.ts): output bytes identical to the runtime's own loops on the
 * reference models, the converter models it runs, the demo-shaped DS-CNN and random graphs;
 * weights copied when the model's bytes are not flat; declines where the add-on must not run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { nativeKernels } from "../../runtime-int8/native/addon.js";
import { load, use } from "../../runtime-int8/src/index.js";
import { demoCases, hostOutputs, type NCase, randomCases, referenceCases, runModel } from "./cases.js";
import { type HostE, hostE } from "./host.js";

const g = globalThis as { E?: unknown; EDGEQ_NATIVE?: unknown };
afterEach(() => {
  delete g.E;
  delete g.EDGEQ_NATIVE;
});

/** Runs c with the add-on over E; returns the outputs and how many ops the add-on took. */
function native(c: NCase, E: HostE, arm = true): { out: number[][]; taken: number } {
  if (arm) g.EDGEQ_NATIVE = true;
  g.E = E;
  const k = nativeKernels();
  let taken = 0;
  const count =
    (f: (x: never) => unknown) =>
    (x: never): undefined => {
      const e = f(x);
      if (e) taken++;
      return e as undefined;
    };
  const pool = k.pool as NonNullable<typeof k.pool>;
  use({
    conv: count(k.conv),
    dw: count(k.dw),
    mm: count(k.mm),
    pool: (x, max) => {
      const e = pool(x, max);
      if (e) taken++;
      return e;
    },
  });
  const m = load(c.bytes);
  delete g.E;
  const out = runModel(m, c.inputs);
  return { out, taken };
}

function same(c: NCase): void {
  const want = hostOutputs(c);
  const E = hostE();
  const r = native(c, E);
  expect(r.out).toEqual(want);
  // every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / pool but those on arrays too small to be flat
  expect(r.taken).toBeGreaterThan(0);
  // (kinds 0 conv, 1 / 4 depthwise, 2 mm, 5 / 6 pools; 3 is the load-time fold)
  expect(E.calls.reduce((a, v, k) => a + (k === 3 ? 0 : v), 0)).toBeGreaterThanOrEqual(r.taken);
}

describe("native kernels on the host (cc, UBSan) give the runtime's bytes", () => {
  describe("reference and converter models", () => {
    for (const c of referenceCases(2)) it(c.name, () => same(c));
  });
  describe("demo-shaped DS-CNN (28x28x1, random weights)", () => {
    for (const c of demoCases(2))
      it(c.name, () => {
        const want = hostOutputs(c);
        const r = native(c, hostE());
        expect(r.out).toEqual(want);
        expect(r.taken).toBe(c.convOps);
      });
  });
  describe("random graphs", () => {
    for (const c of randomCases(4001, 5))
      it(c.name, () => {
        const want = hostOutputs(c);
        const E = hostE();
        const r = native(c, E);
        expect(r.out).toEqual(want);
        // the host's arrays are all flat: every conv-like op and pool runs natively
        expect(r.taken).toBe(c.convOps);
        if (/^(avg|max)pool/.test(c.name)) expect((E.calls[5] ?? 0) + (E.calls[6] ?? 0)).toBeGreaterThan(0);
      });
  });

  it("weights of a model whose bytes are not flat are copied once to a flat array: micro_speech and the DS-CNN", () => {
    for (const c of [referenceCases(0)[0] as NCase, demoCases(1)[0] as NCase]) {
      const want = hostOutputs(c);
      const E = hostE((b) => b === c.bytes.buffer);
      const r = native(c, E);
      expect(r.out).toEqual(want);
      expect(r.taken).toBe(c.convOps);
    }
  });

  it("declines (the core runs every op, same bytes) without EDGEQ_NATIVE on an unknown board, and when the arena is not flat", () => {
    const c = demoCases(1)[0] as NCase;
    const want = hostOutputs(c);
    const E = hostE();
    const off = native(c, E, false);
    expect(off.out).toEqual(want);
    expect(off.taken).toBe(0);
    expect(E.calls).toEqual([0, 0, 0, 0]);
    const arenaBytes = load(c.bytes).arenaBytes;
    const arenaNotFlat = hostE((b) => b.byteLength === arenaBytes);
    const r = native(c, arenaNotFlat);
    expect(r.out).toEqual(want);
    expect(r.taken).toBe(0);
  });
});
