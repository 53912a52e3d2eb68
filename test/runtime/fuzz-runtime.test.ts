/**
 * Fuzzing the int8 runtime's load() + invoke() (the issue: "bounds-checked: a bad file is a clear
 * error, not a crash or hang"): seeded mutants of the reference models and of writer-made ones
 * (test/fuzz/mutate.ts: truncations, bit flips, corrupted offsets / vtables / vector counts, huge
 * counts, splices, zero runs, appended bytes). Every mutant must run (inputs filled, invoke()) or
 * throw an Error whose message starts with "edgeqrt: ", within 1 s, and load() must not accept an
 * arena above 64 MB. Campaigns run in worker threads under a watchdog, so a hang is reported with
 * its mutant instead of stalling the suite. A failure names model, seed and mutation; reproduce it
 * with mutant(bytes, landmarks(bytes), seed, mutation) from ./fuzz-helpers.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime } from "../../runtime-int8/build.js";
import { load } from "../../runtime-int8/src/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refBytes } from "../helpers/refmodels.js";
import {
  describeFailure,
  type FuzzResult,
  fuzzInWorker,
  fuzzModels,
  MAX_ARENA,
  MAX_MS,
} from "./fuzz-helpers.js";

const models = fuzzModels();
/** Mutants per model on the sources (fewer on the two models whose invoke costs milliseconds). */
const RUNS: Record<string, number> = { micro_speech_quantized: 800, test_conv_model: 400 };
const SRC_RUNS = 2000;
const BUNDLE_RUNS = 200;

function check(r: FuzzResult, runs: number): void {
  const lines = r.failures.map(describeFailure);
  if (Object.keys(r.wrapped).length)
    process.stdout.write(
      `  (edgeqrt errors wrapping an engine error: ${Object.entries(r.wrapped)
        .map(([k, v]) => `${v}x ${k}`)
        .join("; ")})\n`,
    );
  // one line per offending mutant, in full (model, seed, mutation, outcome, error and top frames)
  expect(lines.join("\n")).toBe("");
  expect(r.runs).toBe(runs);
  expect(r.maxMs).toBeLessThan(MAX_MS);
  // the mutants really break things, and not everything is rejected either
  expect(r.counts["edgeqrt-error"]).toBeGreaterThan(runs / 5);
  expect(r.counts.ran).toBeGreaterThan(0);
}

describe(`runtime fuzz (sources): mutants load+invoke, or throw "edgeqrt: ..." within ${MAX_MS} ms, arena <= ${MAX_ARENA >> 20} MB`, () => {
  models.forEach((m, i) => {
    const runs = RUNS[m.name] ?? SRC_RUNS;
    it(`${m.name}: ${runs} mutants seed=1 (truncate, bitflip, offset, vector-count, huge-count, vtable, soffset, u32-random, splice, zero-run, append)`, async () => {
      check(await fuzzInWorker({ model: i, runs, seed: 1 }), runs);
    });
  });
});

/** x [1,2,2,3] -> pool SAME stride 1, filter fh x 3 -> y (same quantization). */
function pool(type: "AVERAGE_POOL_2D" | "MAX_POOL_2D", fh: number): Graph {
  const q = { scale: [0.05], zeroPoint: [3], axis: 0 };
  return {
    tensors: [
      { name: "x", shape: [1, 2, 2, 3], dtype: "int8", quant: q },
      { name: "y", shape: [1, 2, 2, 3], dtype: "int8", quant: q },
    ],
    ops: [
      {
        type,
        inputs: [0],
        outputs: [1],
        options: { padding: "SAME", strideH: 1, strideW: 1, filterH: fh, filterW: 3, activation: "NONE" },
      },
    ],
    inputs: [0],
    outputs: [1],
  } as Graph;
}

describe("runtime on unmutated models it must refuse or bound", () => {
  // hello_world_float is three float32 FULLY_CONNECTED ops: not int8, so a clear error, not a run
  // of the int8 kernel over float data (which gives 0 for every input)
  it("hello_world_float (float32 FULLY_CONNECTED x3) is refused with an edgeqrt error by load() or invoke()", () => {
    expect(() => {
      const m = load(refBytes("hello_world_float"));
      m.input(0).set([1.5]);
      m.invoke();
    }).toThrow(/^edgeqrt: /);
  });

  // what the fuzzer found as a slow mutant (a vtable mutation gave a pool filter of 50331648 rows):
  // TFLite's reference pools clamp the window to the input, so a filter taller than the input costs
  // nothing more; with filter 2^31 - 1 an unclamped loop runs for minutes
  for (const type of ["AVERAGE_POOL_2D", "MAX_POOL_2D"] as const) {
    it(`${type} SAME stride 1 over x [1,2,2,3], filter 2^26 x 3: same output as filter 3 x 3 (both cover x), invoke < 100 ms`, () => {
      const x = Int8Array.from([1, -5, 100, 7, 8, -128, 127, 0, 3, 4, 5, 6]);
      const out = (fh: number) => {
        const m = load(writeTflite(pool(type, fh)));
        m.input(0).set(x);
        const t0 = performance.now();
        m.invoke();
        return { ms: performance.now() - t0, y: Array.from(m.output(0)) };
      };
      const big = out(2 ** 26);
      expect(big.y).toEqual(out(3).y);
      expect(big.ms).toBeLessThan(100);
    });
  }
});

describe("runtime fuzz (built edgeq-rt.min.js, evaluated as a script in a worker): same rule", () => {
  let min = "";
  beforeAll(async () => {
    min = (await buildRuntime()).min;
  });
  models.forEach((m, i) => {
    it(`${m.name}: ${BUNDLE_RUNS} mutants seed=2 on the minified core bundle`, async () => {
      check(await fuzzInWorker({ model: i, runs: BUNDLE_RUNS, seed: 2, bundle: min }), BUNDLE_RUNS);
    });
  });
});
