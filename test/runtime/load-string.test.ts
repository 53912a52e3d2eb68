/**
 * load() of every input form the issue names ("ArrayBuffer, Uint8Array, or a byte string as
 * Espruino's Storage.read returns") gives the same output bytes as load() of a Uint8Array:
 * - a byte string (each char code one byte) without a global `E` (the runtime's own char-code loop),
 * - the same string with a stand-in Espruino `E.toArrayBuffer` installed during load (it must be used),
 * - a plain ArrayBuffer,
 * - a Node Buffer that is a slice at an odd byteOffset of a bigger buffer (int32 / float32
 *   constants are then misaligned and must be copied; int8 weights stay views over the file),
 * on the TypeScript sources for the reference models with their reference inputs, and byte strings
 * on the built bundle in Node, Duktape and QuickJS.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime } from "../../runtime-int8/build.js";
import { load, type Model } from "../../runtime-int8/src/index.js";
import { REF_CASES, type RefModel, refBytes } from "../helpers/refmodels.js";
import { type EngineJob, runDuktape, runNode, runQuickJS } from "./engines.js";

/** The reference models the runtime runs (hello_world_float is float-only), with their reference inputs. */
const MODELS: RefModel[] = ["hello_world_int8", "micro_speech_quantized", "test_conv_model"];

const rawBytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
const inputsOf = (m: RefModel): Uint8Array[] =>
  REF_CASES[m].map((c) => rawBytes(c.input() as unknown as ArrayBufferView));

/** Each byte as one char code, as Espruino's Storage.read returns a file. */
function byteString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

/** Output bytes (hex) of each reference input run through m, plus the arena size and tensor count. */
function run(m: Model, inputs: Uint8Array[]): { arena: number; tensors: number; outputs: string[] } {
  const outputs = inputs.map((x) => {
    const v = m.input(0);
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(x);
    m.invoke();
    return Buffer.from(rawBytes(m.output(0))).toString("hex");
  });
  return { arena: m.arenaBytes, tensors: m.tensors.length, outputs };
}

type Natives = { toArrayBuffer?: (s: string) => ArrayBuffer };
const G = globalThis as { E?: Natives };

describe("load(bytes) of each input form gives the Uint8Array's outputs (TypeScript sources)", () => {
  for (const name of MODELS) {
    const u8 = refBytes(name);
    const inputs = inputsOf(name);
    const want = () => run(load(u8), inputs);

    it(`${name}: byte string of ${u8.length} chars, no global E (char-code loop), ${inputs.length} reference inputs`, () => {
      expect(G.E).toBeUndefined();
      const s = byteString(u8);
      expect(s.length).toBe(u8.length);
      expect(run(load(s), inputs)).toEqual(want());
    });

    it(`${name}: byte string with a stand-in global E.toArrayBuffer during load (called once with that string)`, () => {
      const s = byteString(u8);
      const calls: string[] = [];
      G.E = {
        toArrayBuffer(str: string): ArrayBuffer {
          calls.push(str);
          const b = new Uint8Array(str.length);
          for (let i = 0; i < str.length; i++) b[i] = str.charCodeAt(i) & 255;
          return b.buffer;
        },
      };
      let m: Model;
      try {
        m = load(s);
      } finally {
        delete G.E;
      }
      expect(calls.length).toBe(1);
      expect(calls[0] === s).toBe(true);
      expect(run(m, inputs)).toEqual(want());
    });

    it(`${name}: plain ArrayBuffer of ${u8.length} bytes`, () => {
      const ab = new ArrayBuffer(u8.length);
      new Uint8Array(ab).set(u8);
      expect(ab).toBeInstanceOf(ArrayBuffer);
      expect(run(load(ab), inputs)).toEqual(want());
    });

    for (const at of [1, 3]) {
      it(`${name}: Node Buffer slice at byteOffset ${at} of a bigger buffer (misaligned int32/float32 constants copied, int8 weights not)`, () => {
        const big = Buffer.alloc(u8.length + 8, 0xa5);
        big.set(u8, at);
        const b = big.subarray(at, at + u8.length);
        expect(b.byteOffset % 4).not.toBe(0);
        const m = load(b);
        const consts = m.tensors.filter((t) => t.data);
        const wide = consts.filter((t) => t.type === 0 || t.type === 2);
        const narrow = consts.filter((t) => t.type === 9);
        // every model here has int32 biases (and int8 weights)
        expect(wide.length).toBeGreaterThan(0);
        expect(narrow.length).toBeGreaterThan(0);
        for (const t of wide) {
          expect(t.view?.buffer, t.name).not.toBe(big.buffer);
          expect(t.view?.byteOffset ?? 1, t.name).toBe(0);
          expect(rawBytes(t.view as ArrayBufferView), t.name).toEqual(rawBytes(t.data as Uint8Array));
        }
        for (const t of narrow) expect(t.view?.buffer, t.name).toBe(big.buffer);
        expect(run(m, inputs)).toEqual(want());
        // and from an aligned Uint8Array the wide constants are views over the file too (no copy)
        const aligned = load(u8);
        for (const t of aligned.tensors.filter((t) => t.data)) expect(t.view?.buffer, t.name).toBe(u8.buffer);
      });
    }
  }
});

/** The bundle, with edgeqrt.load given the model as a byte string (engines.ts passes a Uint8Array). */
function asString(min: string, withE: boolean): string {
  const stub = withE
    ? `var E = { calls: 0, toArrayBuffer: function (s) { E.calls++; var u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u.buffer; } };\n`
    : "";
  return `${stub}${min}
(function () {
  var load = edgeqrt.load;
  edgeqrt.load = function (u) {
    var s = "";
    for (var i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
    if (typeof s !== "string" || s.length !== u.length) throw new Error("not a byte string");
    var m = load(s);
    ${withE ? 'if (E.calls !== 1) throw new Error("E.toArrayBuffer was not used");' : ""}
    return m;
  };
})();`;
}

describe("load(byte string) on the built edgeq-rt.min.js in Node, Duktape and QuickJS: the sources' Uint8Array outputs", () => {
  let min = "";
  beforeAll(async () => {
    min = (await buildRuntime()).min;
  });
  for (const name of MODELS) {
    for (const withE of [false, true]) {
      it(`${name}: byte string ${withE ? "with a stand-in global E.toArrayBuffer" : "without E (char-code loop)"}, ${REF_CASES[name].length} reference inputs`, async () => {
        const job: EngineJob = { model: refBytes(name), runs: inputsOf(name).map((x) => [x]) };
        const want = run(load(job.model), inputsOf(name)).outputs.map((o) => [o]);
        const code = asString(min, withE);
        // (runNode evaluates in this realm: a stand-in E of an earlier run must not linger)
        expect(G.E).toBeUndefined();
        try {
          expect(runNode(code, job)).toEqual(want);
        } finally {
          delete G.E;
        }
        expect(runDuktape(code, job)).toEqual(want);
        expect(await runQuickJS(code, job)).toEqual(want);
      });
    }
  }
});
