/**
 * edgeq as a user gets it: `npm run build:ts` (when dist/ is older than the sources), `npm pack`, the tarball installed into an empty
 * project without the network (test/package/install.ts), and there the compiled CLI, a plain
 * Node ESM script and a type-checked TypeScript file, each compared with the sources.
 * Needs runtime-int8/dist (npm test builds it first).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitModel, loadModel } from "../../boards/check.js";
import { runtimeForModel } from "../../toolchain/runtime-bundle.js";
import { inspectModel } from "../../toolchain/tflite/inspect.js";
import { REF_CASES, refDir } from "../helpers/refmodels.js";
import { cleanEnv, type Installed, packAndInstall, repoRoot } from "./install.js";

const model = resolve(refDir, "micro_speech_quantized.tflite");
const yes = resolve(refDir, "yes_micro_features_int8.raw");

let inst: Installed;

function inApp(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { cwd: inst.app, env: cleanEnv(), encoding: "utf8", timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("npm pack, installed offline into an empty project", () => {
  beforeAll(() => {
    inst = packAndInstall({ build: "if-stale" });
  }, 240_000);
  afterAll(() => {
    if (inst) rmSync(inst.tmp, { recursive: true, force: true });
  });

  it("the tarball holds dist JS + .d.ts, the runtime bundles and the runtime's sources (per-model bundles are built from them), the board records and the sample data; no other TypeScript sources, tests or benchmarks", () => {
    const f = new Set(inst.files);
    for (const need of [
      "package.json",
      "README.md",
      "dist/toolchain/cli.js",
      "dist/toolchain/index.js",
      "dist/toolchain/index.d.ts",
      "dist/toolchain/package-root.js",
      "dist/boards/index.js",
      "dist/runtime-int8/src/fast.js",
      "runtime-int8/dist/edgeq-rt.min.js",
      "runtime-int8/dist/edgeq-rt.js",
      "runtime-int8/src/kernels/index.ts",
      "boards/records/puckjs.json",
      "boards/rates.json",
      "samples/fashion-mnist/labels.txt",
      "samples/fashion-mnist/data/train-images-idx3-ubyte.gz",
      "samples/fashion-mnist/data/t10k-labels-idx1-ubyte.gz",
    ])
      expect(f.has(need), need).toBe(true);
    const stray = inst.files.filter(
      (p) =>
        (p.endsWith(".ts") && !p.endsWith(".d.ts") && !p.startsWith("runtime-int8/src/")) ||
        /^(test|bench|web|bin|toolchain|\.ci)\//.test(p) ||
        p.endsWith(".tsbuildinfo"),
    );
    expect(stray).toEqual([]);
    const installed = join(inst.app, "node_modules");
    expect(existsSync(join(installed, "edgeq", "dist", "toolchain", "cli.js"))).toBe(true);
    // dev tools stay out of a user's install; the bundler behind per-model runtimes is in it
    for (const dev of ["tsx", "vitest", "tfjs-tflite-node", "playwright-core"])
      expect(existsSync(join(installed, dev)), dev).toBe(false);
    for (const dep of ["esbuild", "terser", "typescript"])
      expect(existsSync(join(installed, dep)), dep).toBe(true);
  });

  it("installed, edgeq --help and edgeq inspect resolve no module of tfjs, serialport, playwright-core or tfjs-tflite-node (a module resolve hook lists them); the API's .d.ts reach no tfjs", () => {
    // an ES module loader hook that appends every resolved URL to $EDGEQ_LOADED
    writeFileSync(
      join(inst.app, "resolve-hook.mjs"),
      'import { appendFileSync } from "node:fs";\n' +
        "export async function resolve(s, c, next) {\n" +
        "  const r = await next(s, c);\n" +
        '  appendFileSync(process.env.EDGEQ_LOADED, r.url + "\\n");\n' +
        "  return r;\n}\n",
    );
    const hook = join(inst.app, "hook.mjs");
    writeFileSync(
      hook,
      'import { register } from "node:module";\nregister("./resolve-hook.mjs", import.meta.url);\n',
    );
    const cli = join(inst.app, "node_modules/edgeq/dist/toolchain/cli.js");
    for (const args of [["--help"], ["inspect", model]]) {
      const log = join(inst.app, `loaded-${args[0]}.txt`);
      writeFileSync(log, "");
      const r = spawnSync(process.execPath, ["--import", hook, cli, ...args], {
        cwd: inst.app,
        env: { ...cleanEnv(), EDGEQ_LOADED: log },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      const urls = readFileSync(log, "utf8").trim().split("\n");
      expect(urls.some((u) => u.endsWith("/node_modules/edgeq/dist/toolchain/cli.js"))).toBe(true);
      if (args[0] === "inspect")
        expect(urls.some((u) => u.endsWith("/node_modules/edgeq/dist/toolchain/tflite/inspect.js"))).toBe(
          true,
        );
      const heavy = urls.filter((u) =>
        /\/node_modules\/(@tensorflow|serialport|@serialport|playwright-core|tfjs-tflite-node)\/|\/native\.js$/.test(
          u,
        ),
      );
      expect(heavy, args.join(" ")).toEqual([]);
    }
    // declarations reachable from the package's "types" entry
    const seen = new Set<string>();
    const packages = new Set<string>();
    const stack = [join(inst.app, "node_modules/edgeq/dist/toolchain/index.d.ts")];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const i of ts.preProcessFile(readFileSync(f, "utf8"), true, true).importedFiles) {
        if (i.fileName.startsWith(".")) stack.push(join(dirname(f), i.fileName.replace(/\.js$/, ".d.ts")));
        else packages.add(i.fileName);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...packages].filter((p) => p.startsWith("@tensorflow/"))).toEqual([]);
  });

  it("npx edgeq --help prints the same usage as the sources' bin/edgeq.js --help", () => {
    const r = inApp("npx", ["--no", "--", "edgeq", "--help"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const src = execFileSync(process.execPath, [join(repoRoot, "bin/edgeq.js"), "--help"], {
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(r.stdout).toBe(src);
    for (const c of ["demo", "fit", "flash", "inspect", "ports", "quantize", "report", "run", "train"])
      expect(r.stdout).toContain(c);
  });

  it("edgeq inspect micro_speech_quantized.tflite --json equals inspectModel from the sources", () => {
    const r = inApp(inst.bin, ["inspect", model, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const expected = inspectModel(new Uint8Array(readFileSync(model)), model);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.ops.length).toBeGreaterThan(0);
    const text = inApp(inst.bin, ["inspect", model]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("labels_softmax int8[1,4]");
  });

  it("edgeq fit micro_speech --board puckjs --json builds the per-model runtime from the packaged sources and reads the packaged board records, as the sources do", async () => {
    const r = inApp(inst.bin, ["fit", model, "--board", "puckjs", "--json"]);
    expect(r.stderr).toBe("");
    const got = JSON.parse(r.stdout) as { runtimeBytes: number; runtimeSource: string; boards: unknown[] };
    const own = new TextEncoder().encode((await runtimeForModel(loadModel(model).bytes)).code);
    const src = fitModel(loadModel(model), own, "puckjs");
    expect(got.runtimeSource).toMatch(/^per-model bundle \(.*DEPTHWISE_CONV_2D/);
    expect(got.runtimeBytes).toBe(own.length);
    expect(got.boards).toEqual(JSON.parse(JSON.stringify(src.reports)));
  });

  it("a plain Node ESM script imports the API: inspectModel, readTflite, loadRuntime on micro_speech 'yes' -> [-128,-128,127,-128], loadDataset('samples/fashion-mnist') finds the shipped sample", () => {
    const script = join(inst.app, "api.mjs");
    writeFileSync(
      script,
      `import { readFileSync } from "node:fs";
import { EdgeqError, inspectModel, loadDataset, loadRuntime, readTflite } from "edgeq";
const bytes = new Uint8Array(readFileSync(process.argv[2]));
const g = readTflite(bytes);
const report = inspectModel(bytes, "m");
const m = loadRuntime(bytes);
m.input(0).set(new Int8Array(new Uint8Array(readFileSync(process.argv[3])).buffer));
m.invoke();
const ds = await loadDataset("samples/fashion-mnist");
let code = "";
try { readTflite(new Uint8Array(8)); } catch (e) { code = e instanceof EdgeqError ? e.code : "not an EdgeqError"; }
console.log(JSON.stringify({ ops: g.ops.length, macs: report.totals.macs, out: Array.from(m.output(0)),
  labels: ds.labels.length, train: ds.train.n, test: ds.test.n, code }));
`,
    );
    const r = inApp(process.execPath, [script, model, yes]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, unknown>;
    const src = inspectModel(new Uint8Array(readFileSync(model)), "m");
    expect(got.ops).toBe(src.ops.length);
    expect(got.macs).toBe(src.totals.macs);
    expect(got.out).toEqual(REF_CASES.micro_speech_quantized[0]!.output);
    expect(got.labels).toBe(10);
    expect(got.train).toBeGreaterThan(0);
    expect(got.test).toBeGreaterThan(0);
    expect(String(got.code)).toMatch(/^tflite\//);
  });

  it("a TypeScript file importing the API and its types type-checks with tsc (strict, NodeNext, edgeq's .d.ts checked too), and a wrong call is an error (an unused @ts-expect-error would fail the check)", () => {
    writeFileSync(
      join(inst.app, "check.ts"),
      `import { readFileSync } from "node:fs";
import {
  type Board,
  type Graph,
  type InspectReport,
  type QuantizeOptions,
  type RuntimeModel,
  type TrainOptions,
  inspectModel,
  loadBoards,
  loadRuntime,
  quantize,
  readTflite,
  train,
  writeTflite,
} from "edgeq";

const bytes: Uint8Array = new Uint8Array(readFileSync("m.tflite"));
const g: Graph = readTflite(bytes);
const r: InspectReport = inspectModel(bytes, "m.tflite");
const macs: number = r.totals.macs;
const m: RuntimeModel = loadRuntime(bytes);
const boards: Board[] = loadBoards();
const o: QuantizeOptions = {};
const t: TrainOptions | undefined = undefined;
const out: Uint8Array = writeTflite(g);
export const used = [macs, m, boards, o, t, out, quantize, train];
// @ts-expect-error readTflite takes the model's bytes, not a path
readTflite("m.tflite");
`,
    );
    writeFileSync(
      join(inst.app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          // edgeq's .d.ts checked too (they reach no tfjs declarations, which would not pass)
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules/@types")],
        },
        files: ["check.ts"],
      }),
    );
    const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
    const ok = inApp(process.execPath, [tsc, "-p", "tsconfig.json"]);
    expect(ok.stdout + ok.stderr).toBe("");
    expect(ok.status).toBe(0);
  });
});
