/**
 * The WebAssembly add-on where it cannot run: with no WebAssembly at all, and with a WebAssembly
 * whose validate() rejects the module (a host without SIMD), every kernel declines (returns
 * undefined), so the core runs every op with its own loops: same bytes as the core alone.
 * Also the CommonJS form: require()-style evaluation exports the kernel set without installing it;
 * and the file itself: ECMAScript 5, no Math.imul / round / clz32 / fround, the module inside, none
 * of it in the core bundle.
 */
import { parse } from "acorn";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime, type RuntimeBundle } from "../../runtime-int8/build.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { randomCase } from "./gen.js";
import { mobilenetInput, mobilenetV1 } from "./mobilenet.js";
import { evalScripts, outputs, type Rt, useCounted } from "./scripts.js";

let b: RuntimeBundle;

/** Core + wasm add-on under `prelude`, kernels wrapped to count offers and ops taken. */
function withAddon(prelude: string): { rt: Rt; offered: () => number; taken: () => number } {
  const rt = evalScripts(prelude, b.min, b.wasm.min, "edgeqrt.wasm = edgeqrtWasm;") as Rt & {
    wasm: Record<string, unknown>;
  };
  return { rt, ...useCounted(rt, rt.wasm) };
}

beforeAll(async () => {
  b = await buildRuntime();
});

const NO_SIMD =
  "var WebAssembly = { validate: function () { return false; }, " +
  'Module: function () { throw new Error("compiled"); }, Instance: function () { throw new Error("instantiated"); } };';

const cases = [
  { name: "mobilenet-v1 0.25 96x96x1", graph: mobilenetV1(), inputs: [mobilenetInput()] },
  ...(["conv", "conv1x1", "dwconv", "fc", "chain"] as const).map((k) => randomCase(3, k)),
];

for (const [what, prelude] of [
  ["no WebAssembly (WebAssembly undefined)", "var WebAssembly;"],
  ["WebAssembly without SIMD (validate rejects the module)", NO_SIMD],
] as const)
  describe(`wasm add-on fallback: ${what}`, () => {
    for (const c of cases)
      it(`${c.name}: every kernel declines, same bytes as the core alone`, () => {
        const a = withAddon(prelude);
        const core = evalScripts("", b.min);
        const bytes = writeTflite(c.graph);
        expect(outputs(a.rt, bytes, c.inputs)).toEqual(outputs(core, bytes, c.inputs));
        expect(a.offered()).toBeGreaterThan(0);
        expect(a.taken()).toBe(0);
      });
  });

describe("wasm add-on as CommonJS", () => {
  it("module.exports is the kernel set (conv, dw, mm under the core's property names), nothing installed", () => {
    // biome-ignore lint/security/noGlobalEval: evaluating the shipped file as CommonJS is the point
    const globalEval = eval;
    const exported = globalEval(
      `(function(){var module = { exports: {} }; var edgeqrt; ${b.wasm.min}\nreturn module.exports;})()`,
    ) as Record<string, unknown>;
    const keys = Object.keys(exported);
    expect(keys.length).toBe(3);
    for (const k of keys) expect(typeof exported[k]).toBe("function");
    // installed by hand, it takes MobileNet's conv-like ops and gives the core's bytes
    const rt = evalScripts("", b.min);
    const core = evalScripts("", b.min);
    const { taken } = useCounted(rt, exported);
    const bytes = writeTflite(mobilenetV1());
    expect(outputs(rt, bytes, [mobilenetInput()])).toEqual(outputs(core, bytes, [mobilenetInput()]));
    expect(taken()).toBe(28);
  });
});

describe("wasm add-on file", () => {
  it("edgeq-rt-wasm.js / .min.js parse as ECMAScript 5, name no Math.imul / round / clz32 / fround; the core carries none of it", () => {
    for (const code of [b.wasm.code, b.wasm.min]) {
      parse(code, { ecmaVersion: 5 });
      expect(code).not.toMatch(/Math\s*\.\s*(imul|round|clz32|fround)\b|\*\*/);
      // the module's bytes, base64 ("\0asm" + version 1)
      expect(code).toContain("AGFzbQEAAAA");
    }
    expect(b.wasm.wasmBytes).toBeGreaterThan(1000);
    for (const code of [b.code, b.min]) {
      expect(code).not.toContain("AGFzbQ");
      expect(code).not.toContain("WebAssembly");
    }
  });
});
