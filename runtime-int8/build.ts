/**
 * `npm run build:rt`: runtime-int8/src -> runtime-int8/dist/edgeq-rt.js (ES5, readable, every
 * kernel) and edgeq-rt.min.js (ES5, mangled), the add-ons, through bundle-lib.ts (esbuild, then
 * TypeScript to ES5, then terser). Prints raw / min / gzip sizes, and those of the per-model
 * bundles of the demo DS-CNN and micro_speech (not written: `edgeq bundle MODEL` writes one).
 * The bundle defines a global `edgeqrt` when run as a script and sets module.exports
 * where `module` exists.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWasmAddon, type WasmAddon } from "./build-wasm.js";
import { buildCore, es5, gz, min, modelOpCodes, runtimeKernels } from "./bundle-lib.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface RuntimeBundle {
  /** ES5, readable. */
  code: string;
  /** ES5, minified: the core (every op, plain loops; E.convolve on Espruino). */
  min: string;
  gzipBytes: number;
  /**
   * The optional host kernels (dist/edgeq-rt-fast.js / .min.js): evaluated after the core as a
   * script they install themselves into the global `edgeqrt`; as CommonJS they export the kernel
   * set for `edgeqrt.use(...)`. Minified with the core's property names: use the pair built together.
   */
  fast: { code: string; min: string; gzipBytes: number };
  /** The optional WebAssembly-SIMD kernels (build-wasm.ts): dist/edgeq-rt-wasm.js / .min.js, installed like `fast`. */
  wasm: WasmAddon;
}

const FAST_FOOTER =
  'if (typeof edgeqrt !== "undefined" && edgeqrt && edgeqrt.use) edgeqrt.use(edgeqrtFast);\n' +
  'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrtFast;';

/** The ops of the demo's DS-CNN (boards' kwsDsCnn, the board fit check's model): its per-model bundle's kernels. */
export const DEMO_DS_CNN_OPS = [
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "AVERAGE_POOL_2D",
  "RESHAPE",
  "FULLY_CONNECTED",
  "SOFTMAX",
];

/** The reference micro_speech model (../shared/reference-models), if present. */
export const MICRO_SPEECH = join(here, "../../shared/reference-models/micro_speech_quantized.tflite");

/** Per-model bundles the build reports: the demo DS-CNN's ops and micro_speech's (when the file is there). */
export async function referenceBundles(): Promise<
  { name: string; ops: string[]; min: number; gzip: number }[]
> {
  const names = new Map((await runtimeKernels()).map((k) => [k.code, k.name]));
  const sets: [string, string[]][] = [["demo DS-CNN", DEMO_DS_CNN_OPS]];
  try {
    const codes = await modelOpCodes(new Uint8Array(readFileSync(MICRO_SPEECH)));
    sets.push(["micro_speech", codes.map((c) => names.get(c) ?? `code ${c}`)]);
  } catch {
    // (no reference models checked out next to the repo: the DS-CNN only)
  }
  return Promise.all(
    sets.map(async ([name, ops]) => {
      const b = await buildCore(ops);
      return { name: name, ops: b.ops, min: b.min.length, gzip: b.gzipBytes };
    }),
  );
}

/** Builds the core bundle and the add-on in memory (no files written). */
export async function buildRuntime(): Promise<RuntimeBundle> {
  const cache = {};
  const core = await buildCore("all", cache);
  const code = core.code;
  const m = core.min;
  const fcode = await es5("src/addons/fast/fast-bundle.ts", "edgeqrtFast", FAST_FOOTER);
  const fm = await min(fcode, cache);
  const wasm = await buildWasmAddon(es5, (c) => min(c, cache), gz);
  return { code, min: m, gzipBytes: gz(m), fast: { code: fcode, min: fm, gzipBytes: gz(fm) }, wasm };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const b = await buildRuntime();
  const out = join(here, "dist");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "edgeq-rt.js"), b.code);
  writeFileSync(join(out, "edgeq-rt.min.js"), b.min);
  writeFileSync(join(out, "edgeq-rt-fast.js"), b.fast.code);
  writeFileSync(join(out, "edgeq-rt-fast.min.js"), b.fast.min);
  writeFileSync(join(out, "edgeq-rt-wasm.js"), b.wasm.code);
  writeFileSync(join(out, "edgeq-rt-wasm.min.js"), b.wasm.min);
  // the repo is "type": "module"; the bundle is a plain script / CommonJS file
  writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
  process.stdout.write(
    `runtime-int8/dist: edgeq-rt.js ${b.code.length} B, edgeq-rt.min.js ${b.min.length} B, gzip ${b.gzipBytes} B; ` +
      `add-on edgeq-rt-fast.js ${b.fast.code.length} B, edgeq-rt-fast.min.js ${b.fast.min.length} B, gzip ${b.fast.gzipBytes} B; ` +
      `wasm add-on edgeq-rt-wasm.js ${b.wasm.code.length} B, edgeq-rt-wasm.min.js ${b.wasm.min.length} B, gzip ${b.wasm.gzipBytes} B (module ${b.wasm.wasmBytes} B)\n`,
  );
  for (const r of await referenceBundles())
    process.stdout.write(
      `per-model bundle, ${r.name} (${r.ops.join(" ")}): ${r.min} B min, gzip ${r.gzip} B\n`,
    );
}
