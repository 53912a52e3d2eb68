/**
 * `npm run build:rt`: runtime-int8/src -> runtime-int8/dist/edgeq-rt.js (ES5, readable) and
 * edgeq-rt.min.js (ES5, mangled). esbuild bundles to one IIFE defining `edgeqrt`,
 * TypeScript lowers it to ES5, terser minifies (ecma 5). Prints raw / min / gzip sizes.
 * The bundle defines a global `edgeqrt` when run as a script and sets module.exports
 * where `module` exists.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { minify } from "terser";
import ts from "typescript";
import { buildWasmAddon, type WasmAddon } from "./build-wasm.js";

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

/** Property names the bundle's users see (API, tensor and op info) or that Espruino defines. */
const PUBLIC = [
  ...["load", "arenaBytes", "tensors", "ops", "inputs", "outputs", "input", "output", "tensor", "invoke"],
  ...["name", "shape", "type", "scale", "zeroPoint", "axis", "size", "data", "offset", "offsets", "total"],
  ...["convolve", "sum", "mapInPlace", "toArrayBuffer", "exports", "use"],
  // the kernel-set interface (Fast: conv, dw, mm) between the core and the separately built
  // add-ons, public so that pages can compose kernel sets (web/build.ts)
  ...["conv", "dw", "mm", "pool"],
];

const CORE_FOOTER = 'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrt;';
const FAST_FOOTER =
  'if (typeof edgeqrt !== "undefined" && edgeqrt && edgeqrt.use) edgeqrt.use(edgeqrtFast);\n' +
  'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrtFast;';

/** esbuild (ESM) -> `var NAME = function () { ...; return { exports }; }();` -> ES5 (TypeScript). */
async function es5(entry: string, name: string, footer: string): Promise<string> {
  const r = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: "esm",
    target: "es2015",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  // (cheaper than esbuild's iife export helpers)
  const esm = r.outputFiles[0]?.text ?? "";
  const ex = /export\s*\{([^}]*)\};?\s*$/.exec(esm);
  if (!ex?.[1]) throw new Error("build: the ESM bundle has no trailing export list");
  const fields = ex[1]
    .split(",")
    .map((s) => s.trim().split(/\s+as\s+/))
    .map(([local, name]) => `${name ?? local}: ${local}`)
    .join(", ");
  const es2015 = `var ${name} = function () {\n${esm.slice(0, ex.index)}\nreturn { ${fields} };\n}();\n`;
  const out = ts.transpileModule(es2015, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, removeComments: true },
  }).outputText;
  return `${out}\n${footer}\n`;
}

async function min(code: string, nameCache: object): Promise<string> {
  const m = await minify(code, {
    ecma: 5,
    // (pure_getters: no property read has side effects; unsafe: built-in calls taken at face value;
    // keep_fargs false: unused trailing parameters go; hoist_funs: declarations first)
    compress: { passes: 3, pure_getters: true, unsafe: true, keep_fargs: false, hoist_funs: true },
    mangle: {
      toplevel: false,
      // internal property names are mangled too; the public API and the engine built-ins
      // (terser reserves standard JS property names itself) keep theirs
      properties: { reserved: PUBLIC },
    },
    // shared by the core and the add-on, so both mangle each property name the same way
    nameCache: nameCache,
    format: { ecma: 5 },
  });
  return m.code ?? "";
}

const gz = (s: string) => gzipSync(s, { level: 9 }).length;

/** Builds the core bundle and the add-on in memory (no files written). */
export async function buildRuntime(): Promise<RuntimeBundle> {
  const code = await es5("src/bundle.ts", "edgeqrt", CORE_FOOTER);
  const fcode = await es5("src/addons/fast/fast-bundle.ts", "edgeqrtFast", FAST_FOOTER);
  const cache = {};
  const m = await min(code, cache);
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
}
