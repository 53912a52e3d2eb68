/** Input checks of the report's loaders: each bad input is an EdgeqError naming the file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { loadSamples, readInt8 } from "../../toolchain/report/index.js";
import { smallCnn } from "./fixtures.js";

const DIR = resolve("out/test-report/index");

function thrown(f: () => unknown): EdgeqError {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgeqError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("report loaders", () => {
  it("fashion-mnist [28,28,1] data for an [1,8,8,1] model: E_REPORT_DATA naming both shapes", async () => {
    const err = await loadSamples("samples/fashion-mnist", smallCnn({ collapse: 1 }), 10).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("E_REPORT_DATA");
    expect((err as EdgeqError).message).toContain("[28, 28, 1]");
    expect((err as EdgeqError).message).toContain("[1, 8, 8, 1]");
  });

  it("fashion-mnist, 28x28 model, 5 samples: pixels/255 inputs, labels from labels.txt", async () => {
    const g = smallCnn({ collapse: 1 });
    g.tensors[g.inputs[0]!]!.shape = [1, 28, 28, 1];
    const s = await loadSamples("samples/fashion-mnist", g, 5);
    expect(s.x.length).toBe(5);
    expect(s.x[0]!.length).toBe(784);
    expect(Math.max(...s.x[0]!)).toBeLessThanOrEqual(1);
    expect(s.labels?.[0]).toBe("T-shirt/top");
    expect(s.y?.length).toBe(5);
  });

  it("int8 model file missing / not a tflite: EdgeqError with the path", () => {
    mkdirSync(DIR, { recursive: true });
    const junk = join(DIR, "junk.tflite");
    writeFileSync(junk, "not a flatbuffer at all");
    expect(thrown(() => readInt8(join(DIR, "missing.tflite"))).where).toContain("missing.tflite");
    expect(thrown(() => readInt8(junk)).message).toContain("junk.tflite");
  });
});
