/**
 * The Espruino path: when a global `E` offers convolve and sum (Espruino's natives), the runtime
 * computes its dot products with them. Here E is a JS stand-in with Espruino's documented
 * semantics (E.convolve(a, b, offset) = sum a[i] * b[(i + offset) % b.length]; E.sum = sum of
 * elements). With an `E` but no natives the runtime uses its plain loops (no packed-double host
 * kernels, which need extra RAM). All must give the host kernels' bytes, on Node and in QuickJS.
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildRuntime } from "../../runtime-int8/build.js";
import { load } from "../../runtime-int8/src/addons/fast/fast.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { runQuickJS } from "./engines.js";
import { fcWithWeightsOffset, KINDS, randomCase } from "./gen.js";
import { mobilenetInput, mobilenetV1 } from "./mobilenet.js";

const STAND_IN = {
  convolve(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number {
    let v = 0;
    for (let i = 0; i < a.length; i++) v += (a[i] as number) * (b[(i + offset) % b.length] as number);
    return v;
  },
  sum(a: ArrayLike<number>): number {
    let v = 0;
    for (let i = 0; i < a.length; i++) v += a[i] as number;
    return v;
  },
  /** E.mapInPlace with a lookup array: to[i] = map[from[i]] for the elements both hold. */
  mapInPlace(
    from: ArrayLike<number>,
    to: { [i: number]: number; length: number },
    map: ArrayLike<number>,
  ): void {
    for (let i = 0; i < from.length && i < to.length; i++) to[i] = map[from[i] as number] as number;
  },
  calls: 0,
};

const g = globalThis as { E?: unknown };
afterEach(() => {
  delete g.E;
});

/** withE: true = E with the natives, "bare" = an E without them (Espruino's plain-loop kernels), false = no E (host kernels). */
function run(bytes: Uint8Array, inputs: ArrayLike<number>[], withE: boolean | "bare"): number[][] {
  let calls = 0;
  if (withE === "bare") g.E = {};
  else if (withE)
    g.E = {
      convolve: (a: Int8Array, b: Int8Array, o: number) => {
        calls++;
        return STAND_IN.convolve(a, b, o);
      },
      sum: STAND_IN.sum,
      mapInPlace: STAND_IN.mapInPlace,
    };
  const m = load(bytes);
  delete g.E;
  inputs.forEach((x, i) => {
    m.input(i).set(x);
  });
  m.invoke();
  if (withE === true && m.ops.some((o) => /CONV_2D|FULLY/.test(o.type) && o.type !== "DEPTHWISE_CONV_2D"))
    expect(calls).toBeGreaterThan(0);
  return m.outputs.map((_, k) => Array.from(m.output(k)));
}

describe("Espruino paths (E.convolve stand-in; E without natives) give the host kernels' bytes", () => {
  for (const kind of KINDS) {
    for (const seed of [2001, 2002, 2003]) {
      const c = randomCase(seed, kind);
      it(c.name, () => {
        const bytes = writeTflite(c.graph);
        const host = run(bytes, c.inputs, false);
        expect(run(bytes, c.inputs, true)).toEqual(host);
        expect(run(bytes, c.inputs, "bare")).toEqual(host);
      });
    }
  }

  for (const seed of [21, 22, 23]) {
    const c = fcWithWeightsOffset(seed);
    it(c.name, () => {
      const bytes = writeTflite(c.graph);
      const host = run(bytes, c.inputs, false);
      expect(run(bytes, c.inputs, true)).toEqual(host);
      expect(run(bytes, c.inputs, "bare")).toEqual(host);
    });
  }

  it("mobilenet-v1 0.25 96x96x1", () => {
    const bytes = writeTflite(mobilenetV1());
    const host = run(bytes, [mobilenetInput()], false);
    expect(run(bytes, [mobilenetInput()], true)).toEqual(host);
    expect(run(bytes, [mobilenetInput()], "bare")).toEqual(host);
  });

  it("in QuickJS, the minified bundle with an E stand-in defined as a script global: conv chain #2016", async () => {
    const bundle = await buildRuntime();
    const c = randomCase(2016, "chain");
    const bytes = writeTflite(c.graph);
    const raw = c.inputs.map((x) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength).slice());
    const withE = `var E = { convolve: function (a, b, o) { var v = 0; for (var i = 0; i < a.length; i++) v += a[i] * b[(i + o) % b.length]; E.n++; return v; }, sum: function (a) { var v = 0; for (var i = 0; i < a.length; i++) v += a[i]; return v; }, mapInPlace: function (f, t, m) { for (var i = 0; i < f.length && i < t.length; i++) t[i] = m[f[i]]; }, n: 0 };\n${bundle.min}`;
    const a = await runQuickJS(withE, { model: bytes, runs: [raw] });
    const b = await runQuickJS(bundle.min, { model: bytes, runs: [raw] });
    expect(a).toEqual(b);
    // and the path is really taken there: a stand-in that returns wrong sums changes the output
    const broken = withE.replace("E.n++; return v;", "E.n++; return -v - 100000;");
    expect(await runQuickJS(broken, { model: bytes, runs: [raw] })).not.toEqual(b);
  });
});
