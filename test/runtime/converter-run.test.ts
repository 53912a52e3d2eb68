/**
 * `edgeq run` on the models TensorFlow 2.21's converter writes (../shared/reference-models/converter):
 * for every model and every one of its 8 inputs, the command's outputs are the runtime's, and so
 * (test/runtime/converter.test.ts) expected.json's, with the values that test identifies one by one.
 * Each model goes through the CLI process once (input 0) and through the command's function
 * (runModelFiles, what the CLI calls) for all 8 inputs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import { runModelFiles } from "../../toolchain/commands/run.js";
import { refDir } from "../helpers/refmodels.js";

const DIR = resolve(refDir, "converter");
const repoRoot = resolve(import.meta.dirname, "../..");
const EXPECTED = JSON.parse(readFileSync(resolve(DIR, "expected.json"), "utf8")) as {
  models: Record<string, { file: string; input_shape: number[]; final_outputs: number[]; cases: unknown[] }>;
};
const tmp = mkdtempSync(join(tmpdir(), "edgeq-conv-run-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("edgeq run on the converter models", () => {
  for (const [name, e] of Object.entries(EXPECTED.models)) {
    it(`${name}: edgeq run --json (input 0) and runModelFiles (inputs 0-${e.cases.length - 1}) give the runtime's final outputs`, () => {
      const model = resolve(DIR, e.file);
      const n = e.input_shape.reduce((a, b) => a * b, 1);
      const raw = new Uint8Array(readFileSync(resolve(DIR, `${name}_inputs.raw`)));
      expect(raw.length).toBe(n * e.cases.length);
      const m = load(new Uint8Array(readFileSync(model)));
      for (let i = 0; i < e.cases.length; i++) {
        const f = join(tmp, `${name}_${i}.raw`);
        writeFileSync(f, raw.subarray(i * n, (i + 1) * n));
        m.input(0).set(new Int8Array(raw.buffer, raw.byteOffset + i * n, n));
        m.invoke();
        const want = m.outputs.map((_, k) => Array.from(m.output(k)));
        expect(runModelFiles(model, [f]).outputs.map((o) => o.values)).toEqual(want);
        if (i === 0) {
          const out = execFileSync(
            process.execPath,
            [resolve(repoRoot, "bin/edgeq.js"), "run", model, "--input", f, "--json"],
            {
              encoding: "utf8",
            },
          );
          expect((JSON.parse(out) as { outputs: number[][] }).outputs).toEqual(want);
        }
      }
    });
  }
});
