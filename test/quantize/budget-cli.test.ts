import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refDir, repoRoot } from "../helpers/refmodels.js";

function edgeq(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/edgeq.js"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("edgeq quantize budget flags (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeq-budget-cli-"));
  const hello = `${refDir}/hello_world_float.tflite`;
  const common = ["--calib", "linspace:0:6.2832", "--samples", "64"];

  it("--help lists --max-drop, --min-agreement, --min-sqnr, --data, --recipe, --recipe-out", () => {
    const r = edgeq("quantize", "--help");
    expect(r.code).toBe(0);
    for (const f of ["--max-drop", "--min-agreement", "--min-sqnr", "--data", "--recipe", "--recipe-out"])
      expect(r.out).toContain(f);
  });

  it("hello_world --min-sqnr 20 --recipe-out, then --recipe: the replay writes the same bytes", () => {
    const a = join(dir, "a.tflite");
    const b = join(dir, "b.tflite");
    const recipe = join(dir, "r.json");
    const r1 = edgeq("quantize", hello, ...common, "--min-sqnr", "20", "--recipe-out", recipe, "--out", a);
    expect(r1.err).not.toMatch(/edgeq:/);
    expect(r1.code).toBe(0);
    expect(r1.out).toMatch(/budget: output SQNR >= 20 dB on 64 evaluation inputs/);
    expect(r1.out).toMatch(/budget met/);
    expect(r1.out).toMatch(/sensitivity \(only this layer int8/);
    const r2 = edgeq("quantize", hello, ...common, "--recipe", recipe, "--out", b);
    expect(r2.code).toBe(0);
    expect(r2.out).toContain(`recipe ${recipe} replayed`);
    expect(Buffer.from(readFileSync(a)).equals(readFileSync(b))).toBe(true);
  });

  it("hello_world --max-drop 0.5 without --data: exit 1, message asks for labelled data", () => {
    const r = edgeq("quantize", hello, ...common, "--max-drop", "0.5", "--out", join(dir, "c.tflite"));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--max-drop needs labelled data: pass --data DIR/);
  });
});
