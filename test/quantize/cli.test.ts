import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTflite } from "../../toolchain/tflite/read.js";
import { refDir, repoRoot } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";

function edgeq(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/edgeq.js"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("edgeq quantize CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeq-quantize-cli-"));

  it("--help lists --calib, --calibration, --per-tensor, --per-channel-dense, --equalize, --float-io, --samples, --out", () => {
    const r = edgeq("quantize", "--help");
    expect(r.code).toBe(0);
    for (const f of [
      "--calib",
      "--calibration",
      "--per-tensor",
      "--per-channel-dense",
      "--equalize",
      "--float-io",
      "--samples",
      "--out",
    ])
      expect(r.out).toContain(f);
  });

  it("hello_world_float.tflite --calib linspace:0:6.2832 --samples 200 --calibration mse: int8 file, summary with sizes", () => {
    const out = join(dir, "hello.tflite");
    const r = edgeq(
      "quantize",
      `${refDir}/hello_world_float.tflite`,
      "--calib",
      "linspace:0:6.2832",
      "--samples",
      "200",
      "--calibration",
      "mse",
      "--out",
      out,
    );
    expect(r.err).not.toMatch(/edgeq:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/size: float 3164 bytes -> int8 \d+ bytes/);
    expect(r.out).toMatch(/FULLY_CONNECTED/);
    const bytes = new Uint8Array(readFileSync(out));
    const g = readTflite(bytes);
    expect(g.tensors[g.inputs[0]!]!.dtype).toBe("int8");
    expect(loadNative(bytes).run([[0]])[0]!.length).toBe(1);
  });

  it("--float-io --per-tensor --equalize --json: float32 io, JSON summary", () => {
    const out = join(dir, "hello-f.tflite");
    const r = edgeq(
      "quantize",
      `${refDir}/hello_world_float.tflite`,
      "--calib",
      "linspace:0:6.2832",
      "--float-io",
      "--per-tensor",
      "--equalize",
      "--json",
      "--out",
      out,
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { int8Bytes: number; layers: unknown[] };
    expect(j.layers.length).toBe(3);
    const g = readTflite(new Uint8Array(readFileSync(out)));
    expect(g.tensors[g.inputs[0]!]!.dtype).toBe("float32");
    expect(g.ops[0]!.type).toBe("QUANTIZE");
  });

  it("zoo DS-CNN model.json --calib samples/fashion-mnist --samples 50 --calibration minmax --layers conv0_conv=mse: labels stored, per-layer method applied", async () => {
    const { dsCnn } = await import("../../toolchain/train/zoo.js");
    const { saveModel } = await import("../import/tfjs-models.js");
    const modelPath = await saveModel(
      dsCnn({ inputShape: [28, 28, 1], classes: 10, seed: 2 }),
      join(dir, "ds"),
    );
    const out = join(dir, "ds.tflite");
    const args = [
      "quantize",
      modelPath,
      "--calib",
      "samples/fashion-mnist",
      "--samples",
      "50",
      "--calibration",
      "minmax",
      "--json",
      "--out",
      out,
    ];
    const a = edgeq(...args);
    const b = edgeq(...args, "--layers", "conv0_conv=mse");
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    type Act = { name: string; range: { min: number; max: number } };
    const ra = (JSON.parse(a.out) as { activations: Act[] }).activations.find(
      (x) => x.name === "conv0_conv",
    )!;
    const rb = (JSON.parse(b.out) as { activations: Act[] }).activations.find(
      (x) => x.name === "conv0_conv",
    )!;
    expect(rb.range.max).toBeLessThan(ra.range.max);
    const g = readTflite(new Uint8Array(readFileSync(out)));
    expect(g.metadata?.some((m) => m.name === "edgeq.labels")).toBe(true);
    const bad = edgeq(
      "quantize",
      modelPath,
      "--calib",
      "samples/fashion-mnist",
      "--layers",
      "nope=mse",
      "--out",
      out,
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/names tensor 'nope'/);
  });

  it("bad input: unknown --calibration, missing model, bad --calib spec -> exit 2 with a message, no file written", () => {
    const out = join(dir, "bad.tflite");
    const a = edgeq(
      "quantize",
      `${refDir}/hello_world_float.tflite`,
      "--calib",
      "linspace:0:1",
      "--calibration",
      "kl",
      "--out",
      out,
    );
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/unknown calibration method 'kl'; use minmax \| percentile \| mse/);
    const b = edgeq("quantize", join(dir, "nope.json"), "--calib", "linspace:0:1", "--out", out);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/no such model file/);
    const c = edgeq(
      "quantize",
      `${refDir}/hello_world_float.tflite`,
      "--calib",
      "linspace:5:1",
      "--out",
      out,
    );
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/expected linspace:LO:HI/);
    expect(existsSync(out)).toBe(false);
  });
});
