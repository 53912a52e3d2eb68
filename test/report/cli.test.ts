/**
 * `edgeq report` end to end through bin/edgeq.js: a float .tflite and an int8 .tflite made
 * from the fixture CNN, a .npy dataset directory, the three report files, and --fail-if-drop.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { argmax } from "../../toolchain/report/classify.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { encodeNpy } from "../../toolchain/train/formats.js";
import { inputs, smallCnn } from "./fixtures.js";

const DIR = resolve("out/test-report/cli");

function edgeq(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve("bin/edgeq.js"), ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `edgeq report` on the float and int8 fixture models and the npy data, writing to `out`. */
function report(out: string, extra: string[]): { code: number; stdout: string; stderr: string } {
  return edgeq([
    "report",
    "--float",
    join(DIR, "float.tflite"),
    "--int8",
    join(DIR, "int8.tflite"),
    "--data",
    join(DIR, "data"),
    "--out",
    out,
    ...extra,
  ]);
}

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, "data"), { recursive: true });
  const fg = smallCnn({ collapse: 1000 });
  writeFileSync(join(DIR, "float.tflite"), writeTflite(fg));
  // per-tensor without bias correction: the collapsed depthwise channels cost accuracy (78% vs 100%)
  const q = quantize(fg, inputs(32), { perTensor: true, biasCorrection: false });
  writeFileSync(join(DIR, "int8.tflite"), writeTflite(q));
  const save = (name: string, xs: Float32Array[]): void => {
    const x = new Float32Array(xs.length * 64);
    xs.forEach((v, i) => {
      x.set(v, i * 64);
    });
    const y = Uint8Array.from(xs.map((v) => argmax(runFloat(fg, [v]).outputs[0]!)));
    writeFileSync(join(DIR, "data", `x_${name}.npy`), encodeNpy([xs.length, 8, 8, 1], x));
    writeFileSync(join(DIR, "data", `y_${name}.npy`), encodeNpy([xs.length], y));
  };
  save("train", inputs(30, 1));
  save("test", inputs(60, 2));
  writeFileSync(join(DIR, "data", "labels.txt"), "circle\nring\nblob\n");
});

describe("edgeq report command", () => {
  it("float.tflite + per-tensor int8.tflite + npy data, --fail-if-drop 1: writes the 3 files, then exits 2 naming the drop", () => {
    const out = join(DIR, "r1");
    const r = report(out, ["--fail-if-drop", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^edgeq: int8 top-1 drops \d+\.\d\d points .* more than --fail-if-drop 1/m);
    for (const f of ["report.html", "report.md", "report.json"]) expect(existsSync(join(out, f))).toBe(true);
    const j = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(j.float.top1).toBe(1);
    expect(j.int8.top1).toBeLessThan(0.99);
    expect(typeof j.agreement).toBe("number");
    expect(j.meta.samples).toBe(60);
    expect(j.jump.name).toBe("dw/relu6");
    for (const l of j.layers)
      for (const k of ["name", "op", "sqnr_db", "cosine", "mae", "max_abs", "rmse_over_scale"])
        expect(l).toHaveProperty(k);
    expect(r.stdout).toContain("drift jumps at op 1");
  });

  it("--fail-if-drop 100 --samples 20: exits 0", () => {
    const out = join(DIR, "r2");
    const r = report(out, ["--samples", "20", "--fail-if-drop", "100"]);
    expect(r.stderr).not.toContain("edgeq: ");
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "report.json"), "utf8")).meta.samples).toBe(20);
  });

  it("bad input: missing int8 file, float model as --int8, --samples 0 each give one clear line and exit 2", () => {
    const base = [
      "report",
      "--float",
      join(DIR, "float.tflite"),
      "--data",
      join(DIR, "data"),
      "--out",
      join(DIR, "r3"),
    ];
    const missing = edgeq([...base, "--int8", join(DIR, "nope.tflite")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^edgeq: no such int8 model file; pass the quantized .tflite \(at .*nope.tflite\)$/m,
    );
    const floatAsInt8 = edgeq([...base, "--int8", join(DIR, "float.tflite")]);
    expect(floatAsInt8.code).toBe(2);
    expect(floatAsInt8.stderr).toContain("has no int8 tensor");
    const zero = edgeq([...base, "--int8", join(DIR, "int8.tflite"), "--samples", "0"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--samples must be a number >= 1");
  });

  it("--help describes every option and the exit code of --fail-if-drop", () => {
    const r = edgeq(["report", "--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--float", "--int8", "--data", "--out", "--samples", "--fail-if-drop", "--engine"])
      expect(r.stdout).toContain(o);
    expect(r.stdout).toContain("exits 2");
  });
});
