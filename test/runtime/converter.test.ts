/**
 * The runtime on the models TensorFlow 2.21's converter writes (../shared/reference-models/converter,
 * see its README): for each model and each of its 8 inputs, the final outputs equal expected.json's
 * (TFLite's reference kernels, BUILTIN_REF), and for the first two inputs so does the output of every
 * op (keyed by tensor index: invoke(onOp) + tensor(i), which also shows the int32 tensors of a Keras
 * Flatten, folded at load). The built bundle gives the same final outputs on Node and on Duktape,
 * and on the real Espruino interpreter for two small models.
 *
 * SOFTMAX: the expected values come from TFLite's float-table SOFTMAX, the truth is TFLite Micro's
 * fixed-point one (which the runtime follows). Each SOFTMAX value that differs is identified on its
 * own: the expected value must be exactly what TFLite's float table gives for that element
 * (test/runtime/softmax-lut.ts, from the SOFTMAX's input as the runtime computed it) and at most one
 * step from the runtime's. One more kind of value is identified the same way: per-channel
 * FULLY_CONNECTED where TFLite's reference (expected.json) requantizes with one rounding and TFLite
 * Micro (the runtime) with its two (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT):
 * accepted only where the accumulator, recomputed here from the op's input and weights, lands on an
 * exact tie of the second rounding, the runtime equals the two-rounding value and expected.json the
 * one-rounding value. Nothing else may differ, and no other op gets any tolerance.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as flatbuffers from "flatbuffers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime, type RuntimeBundle } from "../../runtime-int8/build.js";
import { KERNELS, load, type Model } from "../../runtime-int8/src/index.js";
import { Model as FbModel } from "../../toolchain/tflite/generated/tflite/model.js";
import { SoftmaxOptions } from "../../toolchain/tflite/generated/tflite/softmax-options.js";
import { refDir } from "../helpers/refmodels.js";
import { type EngineJob, engineScript, runDuktape, runNode } from "./engines.js";
import { qmul } from "./quantize-multiplier.js";
import { nativeSoftmaxValue } from "./softmax-lut.js";

const DIR = resolve(refDir, "converter");

interface Entry {
  file: string;
  ops: string[];
  input_shape: number[];
  final_outputs: number[];
  /** Per input: tensor index -> values (every op's output for the first two inputs, the final outputs for all). */
  cases: Record<string, number[]>[];
}
const EXPECTED = JSON.parse(readFileSync(resolve(DIR, "expected.json"), "utf8")) as {
  models: Record<string, Entry>;
};

/** Names of the ops the runtime has kernels for. */
const KERNEL_NAMES = new Set(KERNELS.map((k) => k.name));

/**
 * The models whose every op has a kernel here: all 8 once HARD_SWISH, LOGISTIC and TANH (helper
 * ops2's kernels) are in the list; until then mobilenetv3_bits and transpose_concat wait (see the
 * last test of the first describe, which names them and the missing ops).
 */
const RUNNING = Object.keys(EXPECTED.models).filter((name) =>
  (EXPECTED.models[name] as Entry).ops.every((op) => KERNEL_NAMES.has(op)),
);

const bytesOf = (f: string) => new Uint8Array(readFileSync(resolve(DIR, f)));

/** The 8 inputs of a model (its _inputs.raw: int8, back to back). */
function inputsOf(name: string): Int8Array[] {
  const e = EXPECTED.models[name] as Entry;
  const n = e.input_shape.reduce((a, b) => a * b, 1);
  const raw = bytesOf(`${name}_inputs.raw`);
  expect(raw.length).toBe(n * e.cases.length);
  return e.cases.map((_, i) => new Int8Array(raw.buffer, raw.byteOffset + i * n, n));
}

/** SOFTMAX beta of op k, read from the file with the generated flatbuffer classes. */
function softmaxBeta(bytes: Uint8Array, k: number): number {
  const fb = FbModel.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
  const op = fb.subgraphs(0)?.operators(k);
  const o = op?.builtinOptions(new SoftmaxOptions()) as SoftmaxOptions | null;
  return o ? o.beta() : 1;
}

/** One value where TFLite's kernel (the expected value) and TFLite Micro's (the runtime's) differ, identified. */
interface Identified {
  /** "SOFTMAX float table" or "FULLY_CONNECTED single rounding". */
  kind: string;
  model: string;
  input: number;
  tensor: number;
  element: number;
  runtime: number;
  expected: number;
}

/** Runs `m` on one input; every op's outputs as copied when the op ran. */
function runCase(m: Model, x: Int8Array): Map<number, number[]> {
  m.input(0).set(x);
  const got = new Map<number, number[]>();
  m.invoke((k) => {
    for (const t of (m.ops[k] as { outputs: number[] }).outputs) got.set(t, Array.from(m.tensor(t)));
  });
  // a graph output every op wrote (or a tensor folded at load): read it now
  for (const t of m.outputs) if (!got.has(t)) got.set(t, Array.from(m.tensor(t)));
  return got;
}

/**
 * Checks tensor t's values `got` against `want`: equal, except SOFTMAX outputs, where each differing
 * element must be identified as TFLite's float-table value (pushed to `found`).
 */
function checkTensor(
  name: string,
  bytes: Uint8Array,
  m: Model,
  input: number,
  t: number,
  got: number[],
  want: number[],
  all: Map<number, number[]>,
  found: Identified[],
): void {
  expect(got.length, `tensor ${t} length`).toBe(want.length);
  const k = m.ops.findIndex((op) => op.outputs.includes(t));
  const op = m.ops[k];
  if (op?.type === "FULLY_CONNECTED") {
    for (let e = 0; e < want.length; e++)
      if (got[e] !== want[e]) {
        explainSingleRounding(m, op, all, e, got[e] as number, want[e] as number, `${name} input ${input}`);
        found.push({
          kind: "FULLY_CONNECTED single rounding",
          model: name,
          input,
          tensor: t,
          element: e,
          runtime: got[e]!,
          expected: want[e]!,
        });
      }
    return;
  }
  if (op?.type !== "SOFTMAX") {
    expect(got, `${name} input ${input} tensor ${t} (${op?.type ?? "graph input"})`).toEqual(want);
    return;
  }
  const X = m.tensors[op.inputs[0] as number]!;
  const Y = m.tensors[t]!;
  const x = all.get(op.inputs[0] as number);
  expect(x, `the SOFTMAX input (tensor ${op.inputs[0]}) was captured`).toBeDefined();
  const depth = X.shape[X.shape.length - 1] as number;
  const beta = softmaxBeta(bytes, k);
  for (let e = 0; e < want.length; e++) {
    if (got[e] === want[e]) continue;
    const table = nativeSoftmaxValue(
      x as number[],
      depth,
      e,
      X.scale[0] as number,
      beta,
      Y.scale[0] as number,
      Y.zeroPoint[0] as number,
    );
    const where = `${name} input ${input} SOFTMAX tensor ${t} element ${e}: runtime ${got[e]}, expected ${want[e]}`;
    expect(want[e], `${where} is TFLite's float-table value`).toBe(table);
    expect(Math.abs((got[e] as number) - (want[e] as number)), `${where}: one step apart`).toBe(1);
    found.push({
      kind: "SOFTMAX float table",
      model: name,
      input,
      tensor: t,
      element: e,
      runtime: got[e]!,
      expected: want[e]!,
    });
  }
}

/**
 * Throws unless element e of a per-channel FULLY_CONNECTED output is a tie that TFLite's
 * one-rounding requantization (acc * m / 2^(31 - shift), rounded half up: `expected`) and TFLite
 * Micro's two roundings (`runtime`) resolve apart. The accumulator is recomputed from the op's
 * input (as the runtime computed it), weights and bias.
 */
function explainSingleRounding(
  m: Model,
  op: Model["ops"][number],
  all: Map<number, number[]>,
  e: number,
  runtime: number,
  expected: number,
  where: string,
): void {
  const X = m.tensors[op.inputs[0] as number]!;
  const W = m.tensors[op.inputs[1] as number]!;
  const B = (op.inputs[2] as number) >= 0 ? m.tensors[op.inputs[2] as number] : undefined;
  const Y = m.tensors[op.outputs[0] as number]!;
  const x = all.get(op.inputs[0] as number) as number[];
  const w = new Int8Array(W.data!.buffer, W.data!.byteOffset, W.size);
  const depth = W.shape[1] as number;
  const units = W.shape[0] as number;
  const c = e % units;
  const row = Math.floor(e / units);
  let acc = B ? new Int32Array(B.data!.slice().buffer)[c]! : 0;
  for (let i = 0; i < depth; i++)
    acc += (w[c * depth + i] as number) * ((x[row * depth + i] as number) - X.zeroPoint[0]!);
  const scale = W.scale.length > 1 ? W.scale[c]! : W.scale[0]!;
  const [mult, shift] = qmul((X.scale[0]! * scale) / Y.scale[0]!);
  const zp = Y.zeroPoint[0]!;
  const clamp = (v: number) => Math.max(-128, Math.min(127, v + zp));
  // two roundings (TFLite Micro): high 32 bits of 2 acc m rounded, then / 2^-shift rounded half away from 0
  const left = Math.max(shift, 0);
  const right = Math.max(-shift, 0);
  const ab = BigInt.asIntN(32, BigInt(acc) << BigInt(left)) * BigInt(mult);
  const high = (ab + (ab >= 0n ? 1n << 30n : 1n - (1n << 30n))) / (1n << 31n);
  const pot = 1n << BigInt(right);
  const tie = right > 0 && (((high % pot) + pot) % pot) * 2n === pot;
  const twice = high >= 0n ? (high + pot / 2n) / pot : -((-high + pot / 2n) / pot);
  // one rounding: (acc m + 2^(30 - shift)) >> (31 - shift)
  const total = BigInt(31 - shift);
  const once = (BigInt(acc) * BigInt(mult) + (1n << (total - 1n))) >> total;
  const what = `${where} FULLY_CONNECTED tensor ${op.outputs[0]} element ${e}: acc ${acc}, runtime ${runtime}, expected ${expected}`;
  expect(tie, `${what}: an exact tie of the second rounding`).toBe(true);
  expect(runtime, `${what}: the runtime's is TFLite Micro's two roundings`).toBe(clamp(Number(twice)));
  expect(expected, `${what}: expected.json's is one rounding`).toBe(clamp(Number(once)));
}

const identified: Identified[] = [];

describe("runtime on TensorFlow 2.21 converter models vs TFLite's reference kernels", () => {
  for (const name of RUNNING) {
    const entry = EXPECTED.models[name] as Entry;
    describe(`${name} (${entry.ops.join(", ")})`, () => {
      const bytes = bytesOf(entry.file);
      let m: Model;
      let inputs: Int8Array[];
      beforeAll(() => {
        m = load(bytes);
        inputs = inputsOf(name);
      });
      entry.cases.forEach((want, i) => {
        const what = i < 2 ? `every op's output (${Object.keys(want).length} tensors)` : "final outputs";
        it(`${name} input ${i}: ${what} equal expected.json (final: tensors ${entry.final_outputs.join(", ")})`, () => {
          expect(m.outputs).toEqual(entry.final_outputs);
          const got = runCase(m, inputs[i] as Int8Array);
          // every tensor expected.json lists (for inputs 0 and 1 every op output, as the runtime's op list)
          if (i < 2) {
            const produced = m.ops.flatMap((op) => op.outputs).sort((a, b) => a - b);
            expect(
              Object.keys(want)
                .map(Number)
                .sort((a, b) => a - b),
            ).toEqual(produced);
          }
          for (const [t, w] of Object.entries(want)) {
            const g = got.get(Number(t)) ?? Array.from(m.tensor(Number(t)));
            checkTensor(name, bytes, m, i, Number(t), g, w, got, identified);
          }
        });
      });
    });
  }

  it(`the identified differences are listed one by one (models ${RUNNING.join(", ")})`, () => {
    for (const d of identified)
      process.stdout.write(
        `converter, identified (${d.kind}): ${d.model} input ${d.input} tensor ${d.tensor}[${d.element}] runtime ${d.runtime}, TFLite ${d.expected}\n`,
      );
    // each one was checked where it was found; the list is unique per element
    const keys = identified.map((d) => `${d.model}/${d.input}/${d.tensor}/${d.element}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("the models left out are exactly those naming an op this runtime has no kernel for", () => {
    const all = Object.keys(EXPECTED.models);
    expect(all.length).toBe(8);
    for (const name of all) {
      const missing = (EXPECTED.models[name] as Entry).ops.filter((op) => !KERNEL_NAMES.has(op));
      expect(RUNNING.includes(name), `${name}: ops without a kernel [${missing}]`).toBe(missing.length === 0);
      if (missing.length)
        process.stdout.write(`converter: ${name} waits for kernels: ${[...new Set(missing)].join(", ")}\n`);
    }
    expect(RUNNING.length).toBeGreaterThanOrEqual(6);
  });
});

describe("the built bundle on Node and Duktape: final outputs of the converter models", () => {
  let bundle: RuntimeBundle;
  beforeAll(async () => {
    bundle = await buildRuntime();
  });
  for (const name of RUNNING) {
    it(`${name}: all 8 inputs, final outputs equal the sources' (checked above) on Node and Duktape`, () => {
      const entry = EXPECTED.models[name] as Entry;
      const bytes = bytesOf(entry.file);
      const inputs = inputsOf(name);
      const job: EngineJob = {
        model: bytes,
        runs: inputs.map((x) => [new Uint8Array(x.buffer, x.byteOffset, x.byteLength)]),
      };
      // the sources' final outputs, each already checked against expected.json above
      const m = load(bytes);
      const want = inputs.map((x) => {
        const got = runCase(m, x);
        return m.outputs.map((t) =>
          Buffer.from(new Int8Array(got.get(t) as number[]).buffer).toString("hex"),
        );
      });
      expect(runNode(bundle.min, job)).toEqual(want);
      expect(runDuktape(bundle.min, job)).toEqual(want);
    });
  }

  // the real Espruino interpreter (../shared/espruino, Linux build), on the two smallest models
  // with MEAN and a folded Flatten (its interpreter runs about 3 us per loop step: a few seconds each)
  for (const name of ["mean_axes", "gap_dense"]) {
    it(`${name}: inputs 0-2, final outputs on the real Espruino interpreter equal the sources'`, () => {
      const entry = EXPECTED.models[name] as Entry;
      const bytes = bytesOf(entry.file);
      const inputs = inputsOf(name).slice(0, 3);
      const job: EngineJob = {
        model: bytes,
        runs: inputs.map((x) => [new Uint8Array(x.buffer, x.byteOffset, x.byteLength)]),
      };
      const m = load(bytes);
      const want = inputs.map((x) => {
        const got = runCase(m, x);
        return m.outputs.map((t) =>
          Buffer.from(new Int8Array(got.get(t) as number[]).buffer).toString("hex"),
        );
      });
      const dir = mkdtempSync(join(tmpdir(), "edgeq-esp-"));
      try {
        writeFileSync(join(dir, "run.js"), `${engineScript(bundle.min, job)}\nprint(edgeqOut);\nquit();\n`);
        const out = execFileSync(resolve(refDir, "../espruino/espruino"), ["run.js"], {
          cwd: dir,
          encoding: "utf8",
          timeout: 110_000,
          // (it ignores SIGTERM once in its REPL)
          killSignal: "SIGKILL",
          maxBuffer: 1 << 26,
        });
        const line = out.split(/\r?\n/).find((l) => l.startsWith("[["));
        expect(line, `Espruino printed: ${out.slice(-500)}`).toBeDefined();
        expect(JSON.parse(line as string)).toEqual(want);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
