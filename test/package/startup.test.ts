/**
 * What `edgeq --help`, `edgeq inspect` and `import "edgeq"` load before they run: the static
 * import closure of the sources (test/package/graph.ts) holds none of the heavy packages, which
 * load only through `import()` inside the commands that need them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandDef } from "citty";
import { describe, expect, it } from "vitest";
import { fileImports, repoRoot, staticClosure } from "./graph.js";

const HEAVY = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-tflite",
  "serialport",
  "playwright-core",
  "tfjs-tflite-node",
  // the bundler behind per-model runtimes (edgeq bundle, flash, fit): loaded when a bundle is built
  "esbuild",
  "terser",
  "typescript",
  // loads tfjs-tflite-node with createRequire, which the import graph does not see
  "toolchain/native.ts",
];

const heavyIn = (entry: string): string[] => [...staticClosure(entry)].filter((m) => HEAVY.includes(m));

/** The command modules cli.ts's table loads with import(). */
const commandModules = fileImports("toolchain/cli.ts").dynamic.filter((m) =>
  m.startsWith("toolchain/commands/"),
);

describe("start-up imports", () => {
  it("cli.ts's command table names every command module (demo, fit, flash, inspect, ports, quantize, report, run, train)", () => {
    for (const c of ["demo", "fit", "flash", "inspect", "ports", "quantize", "report", "run", "train"])
      expect(commandModules).toContain(`toolchain/commands/${c}.ts`);
  });

  it("edgeq --help shows every command's own meta.description from cli.ts's summaries, without loading the command modules", async () => {
    const help = execFileSync(process.execPath, [join(repoRoot, "bin/edgeq.js"), "--help"], {
      encoding: "utf8",
    });
    const names = commandModules.map((m) => m.replace(/^toolchain\/commands\/(.*)\.ts$/, "$1"));
    const cli = readFileSync(join(repoRoot, "toolchain/cli.ts"), "utf8");
    for (const name of names) {
      const cmd = (await import(join(repoRoot, "toolchain/commands", `${name}.ts`))) as {
        default: CommandDef;
      };
      const meta = cmd.default.meta as { description: string };
      expect(help, name).toContain(meta.description);
      // in the summaries table, so the usage needs no import of the command
      expect(cli, `add ${name}'s description to the summaries in toolchain/cli.ts`).toContain(
        JSON.stringify(meta.description).slice(1, -1),
      );
    }
    expect(staticClosure("toolchain/cli.ts")).toEqual(
      new Set(["toolchain/cli.ts", "citty", "toolchain/errors.ts"]),
    );
  });

  it("edgeq <command> --help (every command module) imports no heavy package", () => {
    const found = ["toolchain/cli.ts", ...commandModules].flatMap((e) => heavyIn(e).map((h) => `${e}: ${h}`));
    expect(found).toEqual([]);
  });

  it("edgeq inspect (cli.ts + commands/inspect.ts) imports no heavy package and at most 25 source files", () => {
    const files = new Set([
      ...staticClosure("toolchain/cli.ts"),
      ...staticClosure("toolchain/commands/inspect.ts"),
    ]);
    expect([...files].filter((m) => HEAVY.includes(m))).toEqual([]);
    expect([...files].filter((m) => m.endsWith(".ts")).length).toBeLessThanOrEqual(25);
  });

  it("import 'edgeq' (toolchain/index.ts) imports no heavy package: train and runDemo load tfjs when called", () => {
    expect(heavyIn("toolchain/index.ts")).toEqual([]);
  });

  it("the graph sees the heavy packages where they are: train/index.ts -> @tensorflow/tfjs, flash/flash.ts -> serialport, demo.ts -> train and native through import()", () => {
    expect(heavyIn("toolchain/train/index.ts")).toContain("@tensorflow/tfjs");
    expect(heavyIn("toolchain/flash/flash.ts")).toContain("serialport");
    expect(fileImports("toolchain/demo.ts").dynamic).toEqual(
      expect.arrayContaining(["toolchain/train/index.ts", "toolchain/native.ts"]),
    );
  });
});
