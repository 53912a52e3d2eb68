/**
 * The README's API example runs as written, against this checkout (import "edgeq" pointed at
 * toolchain/index.ts), with two changes to keep CI short: 1 epoch on at most 512 images.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

function apiExample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = /## The API\s+```ts\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error("README.md: no ```ts block under '## The API'");
  return m[1];
}

describe("README API example", () => {
  it("train -> quantize -> writeTflite -> report -> fit runs (epochs=1 limit=512)", () => {
    const src = apiExample();
    expect(src).toContain('from "edgeq"');
    expect(src).toContain("epochs: 5");
    const out = mkdtempSync(join(tmpdir(), "edgeq-api-"));
    const script = src
      .replace('from "edgeq"', `from ${JSON.stringify(join(root, "toolchain/index.ts"))}`)
      .replace("epochs: 5", "epochs: 1, limit: 512, progress: false")
      .replaceAll('"out/api', JSON.stringify(out).slice(0, -1));
    const file = join(out, "example.mts");
    writeFileSync(file, script);
    const stdout = execFileSync(join(root, "node_modules/.bin/tsx"), [file], {
      cwd: root,
      encoding: "utf8",
      timeout: 240_000,
    });
    const lines = stdout.trim().split("\n");
    const [floatTop1, int8Top1, agreement] = lines[0]!.split(" ").map(Number);
    expect(floatTop1).toBeGreaterThan(0.3);
    expect(int8Top1).toBeGreaterThan(0.3);
    expect(agreement).toBeGreaterThan(0.9);
    expect(lines.slice(1).some((l) => /Puck\.js (fits|tight|too big)/.test(l))).toBe(true);
    expect(lines.length).toBe(19); // the metrics line + one per board (18 records)
  });
});
