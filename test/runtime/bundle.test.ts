/**
 * The built, minified bundle (runtime-int8/build.ts, in memory) and its host add-on: strict ES5
 * (acorn ecmaVersion 5), name no Math.imul / Math.round / Math.clz32 / Math.fround, fit the size
 * budget, and give the same output bytes on Node, Duktape and QuickJS (the core alone, and the
 * core + add-on) as the TypeScript sources on Node (which the parity tests check against native
 * TFLite) for the reference models and one random model of every kind.
 * Per-model bundles (runtime-int8/bundle-lib.ts, toolchain/runtime-bundle.ts, `edgeq bundle`):
 * only the model's kernels, within their size guard, the same bytes on Node (alone and with the
 * add-on) and Duktape; an op outside them refused by code; every kernel in kernels/<op>.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "acorn";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime, DEMO_DS_CNN_OPS, type RuntimeBundle } from "../../runtime-int8/build.js";
import { buildCore, runtimeKernels } from "../../runtime-int8/bundle-lib.js";
import { KERNELS, load } from "../../runtime-int8/src/index.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { runtimeForModel } from "../../toolchain/runtime-bundle.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { kwsDsCnn } from "../boards/models.js";
import { rng } from "../helpers/models.js";
import { refDir, repoRoot } from "../helpers/refmodels.js";
import { type EngineJob, runDuktape, runNode, runQuickJS } from "./engines.js";
import { KINDS, randomCase } from "./gen.js";

const ref = (f: string) => new Uint8Array(readFileSync(resolve(refDir, f)));
const raw = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();

const jobs: { name: string; job: EngineJob }[] = [
  {
    name: "hello_world_int8",
    job: {
      model: ref("hello_world_int8.tflite"),
      runs: [[ref("hello_in_-96.raw")], [ref("hello_in_0.raw")]],
    },
  },
  {
    name: "micro_speech_quantized",
    job: {
      model: ref("micro_speech_quantized.tflite"),
      runs: [[ref("yes_micro_features_int8.raw")], [ref("no_micro_features_int8.raw")]],
    },
  },
  {
    name: "test_conv_model (float edges)",
    job: { model: ref("test_conv_model.tflite"), runs: [[ref("test_conv_random_f32.raw")]] },
  },
  ...KINDS.map((k) => {
    const c = randomCase(1000 + KINDS.indexOf(k), k);
    return { name: c.name, job: { model: writeTflite(c.graph), runs: [c.inputs.map(raw)] } };
  }),
];

/** Expected: the TypeScript sources on Node. */
function expected(job: EngineJob): string[][] {
  const m = load(job.model);
  return job.runs.map((inputs) => {
    inputs.forEach((b, i) => {
      const v = m.input(i);
      new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(b);
    });
    m.invoke();
    return m.outputs.map((_, k) => Buffer.from(raw(m.output(k))).toString("hex"));
  });
}

/**
 * The per-model size guard (minified bytes): a regression guard about 3% over today's largest
 * (the demo DS-CNN, 14,039 B with the Espruino fast path and, since espfix, the views for models
 * over 64 KB on Espruino, kernels/region.ts, +684 B; micro_speech 12,679 B). Issue 13's
 * target is 8 KB (8192 B), aim 6 KB: NOT met yet (runtime-int8/README.md says where the bytes go).
 */
const MODEL_GUARD_BYTES = 14500;

let bundle: RuntimeBundle;
beforeAll(async () => {
  bundle = await buildRuntime();
});

describe("runtime bundle", () => {
  it("parses as ECMAScript 5 and names no Math.imul / Math.round / Math.clz32 / Math.fround", () => {
    for (const code of [bundle.code, bundle.min, bundle.fast.code, bundle.fast.min]) {
      const ast = parse(code, { ecmaVersion: 5 });
      const banned: string[] = [];
      const walk = (n: unknown): void => {
        if (!n || typeof n !== "object") return;
        if (Array.isArray(n)) {
          n.forEach(walk);
          return;
        }
        const o = n as Record<string, unknown>;
        const p = o.property as { type?: string; name?: string; value?: unknown } | undefined;
        const pname = p ? String(p.type === "Identifier" ? p.name : p.value) : "";
        if (o.type === "MemberExpression" && /^(imul|round|clz32|fround)$/.test(pname)) banned.push(pname);
        if (o.type === "Literal" && /^(imul|round|clz32|fround)$/.test(String(o.value)))
          banned.push(String(o.value));
        for (const k of Object.keys(o)) if (k !== "type") walk(o[k]);
      };
      walk(ast);
      expect(banned).toEqual([]);
    }
    // and the checks themselves catch what they look for
    expect(() => parse("var x = 2 ** 2;", { ecmaVersion: 5 })).toThrow();
    expect(() => parse("let x = () => 1;", { ecmaVersion: 5 })).toThrow();
  });

  // Issue 13 dropped the 10,240 B core budget (it decided which ops could exist): the full bundle
  // holds every kernel (one file per op, readable source) and aims at <= 16 KB minified; the
  // per-model bundles carry the budget now. The host add-on (never on Espruino) stays <= 6 KB.
  // Measured at the merge of issue 13's ops and issue 12's Espruino path: the registry 13,831 B,
  // + the math ops (HARD_SWISH .. MINIMUM) 17,650 B, + the Espruino path 20,764 B, + the shape and
  // data-movement kernels and MEAN's QuantizedMeanOrSum: 26,120 B, gzip 11,190 B. The 16 KB aim is
  // missed for the full bundle; a board gets a per-model bundle (bundle-lib.ts), guarded below.
  it("full edgeq-rt.min.js (every kernel) <= 27 KB and gzip <= 11.5 KB; add-on <= 6 KB", () => {
    process.stdout.write(
      `edgeq-rt.min.js: ${bundle.min.length} B, gzip ${bundle.gzipBytes} B; edgeq-rt-fast.min.js ${bundle.fast.min.length} B, gzip ${bundle.fast.gzipBytes} B\n`,
    );
    expect(bundle.min.length).toBeLessThanOrEqual(27 * 1024);
    expect(bundle.gzipBytes).toBeLessThanOrEqual(11.5 * 1024);
    expect(bundle.fast.min.length).toBeLessThanOrEqual(6 * 1024);
  });

  for (const { name, job } of jobs) {
    it(`same output bytes on Node, Duktape and QuickJS (16 MB limit): ${name}`, async () => {
      const want = expected(job);
      // the core alone, and the core with the add-on evaluated after it (it installs itself)
      const both = `${bundle.min}\n${bundle.fast.min}`;
      for (const code of [bundle.min, both]) {
        expect(runNode(code, job)).toEqual(want);
        expect(runDuktape(code, job)).toEqual(want);
        expect(await runQuickJS(code, job)).toEqual(want);
      }
    });
  }
});

/** The demo's DS-CNN (test/boards/models.ts, the board fit check's model) and three seeded int8 inputs. */
function dsCnnJob(): EngineJob {
  const model = writeTflite(kwsDsCnn(1));
  const m = load(model);
  const n = m.input(0).length;
  const r = rng(7);
  const runs = [0, 1, 2].map(() => [Uint8Array.from({ length: n }, () => Math.floor(r() * 256))]);
  return { model, runs };
}

// Per-model size guard (minified): see MODEL_GUARD_BYTES (issue 13 asks <= 8 KB, aim 6 KB).
describe("per-model runtime bundles", () => {
  const cases = [
    { name: "demo DS-CNN", job: () => dsCnnJob(), ops: [...DEMO_DS_CNN_OPS].sort() },
    {
      name: "micro_speech",
      job: () => jobs[1]?.job as EngineJob,
      ops: ["DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: only its kernels (${c.ops.join(", ")}), <= ${MODEL_GUARD_BYTES} B minified, same bytes on Node (alone and with the add-on) and Duktape`, async () => {
      const job = c.job();
      const rt = await runtimeForModel(job.model);
      expect([...rt.ops].sort()).toEqual(c.ops);
      process.stdout.write(`per-model bundle, ${c.name}: ${rt.code.length} B min, gzip ${rt.gzipBytes} B\n`);
      expect(rt.code.length).toBeLessThanOrEqual(MODEL_GUARD_BYTES);
      expect(parse(rt.code, { ecmaVersion: 5 })).toBeTruthy();
      const want = expected(job);
      expect(runNode(rt.code, job)).toEqual(want);
      expect(runNode(`${rt.code}\n${bundle.fast.min}`, job)).toEqual(want);
      expect(runDuktape(rt.code, job)).toEqual(want);
    });
  }

  it("a per-model bundle refuses a model with an op outside its kernels, naming the op index and code", async () => {
    const small = await buildCore(["RESHAPE"]);
    const job = jobs[1]?.job as EngineJob;
    expect(() => runNode(small.min, job)).toThrow(
      /edgeqrt: op 1 \(builtin code 4\) is not in this runtime's kernels/,
    );
    // and the toolchain says which op before building
    const e = await runtimeForModel(ref("hello_world_float.tflite")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EdgeqError);
    expect((e as Error).message).toMatch(
      /cannot load this model: edgeqrt: op 0 FULLY_CONNECTED: tensor 0 \(type 0\) is not int8/,
    );
  });

  it("every kernel of the list is found from its op's name: src/kernels/<name in lower case>.ts", async () => {
    const sources = await runtimeKernels();
    expect(sources.map((k) => k.name)).toEqual(KERNELS.map((k) => k.name));
    for (const k of sources) expect(k.file).toBe(k.name.toLowerCase());
    expect(new Set(KERNELS.map((k) => k.code)).size).toBe(KERNELS.length);
  });
});

describe("edgeq bundle CLI", () => {
  const bin = resolve(repoRoot, "bin/edgeq.js");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "bundle", ...args], { encoding: "utf8" });

  it("micro_speech --out DIR: writes edgeq-rt.js and edgeq-rt.min.js (the same bytes on Duktape), names its kernels and sizes; a float model: one 'edgeq:' line, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-bundle-"));
    try {
      const p = run(resolve(refDir, "micro_speech_quantized.tflite"), "--out", dir);
      expect(p.stderr).toBe("");
      expect(p.status).toBe(0);
      expect(p.stdout).toMatch(
        /runtime with 4 kernels \(DEPTHWISE_CONV_2D, FULLY_CONNECTED, RESHAPE, SOFTMAX\)/,
      );
      const min = readFileSync(join(dir, "edgeq-rt.min.js"), "utf8");
      expect(p.stdout).toContain(`edgeq-rt.min.js: ${min.length} B`);
      const job = jobs[1]?.job as EngineJob;
      expect(runDuktape(min, job)).toEqual(expected(job));
      expect(runNode(readFileSync(join(dir, "edgeq-rt.js"), "utf8"), job)).toEqual(expected(job));
      const bad = run(resolve(refDir, "hello_world_float.tflite"), "--out", dir);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(
        /^edgeq: the runtime cannot load this model: edgeqrt: op 0 FULLY_CONNECTED: tensor 0 \(type 0\) is not int8/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
