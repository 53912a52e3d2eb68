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

const here = dirname(fileURLToPath(import.meta.url));

export interface RuntimeBundle {
  /** ES5, readable. */
  code: string;
  /** ES5, minified. */
  min: string;
  gzipBytes: number;
}

/** Property names the bundle's users see (API, tensor and op info) or that Espruino defines. */
const PUBLIC = [
  ...["load", "arenaBytes", "tensors", "ops", "inputs", "outputs", "input", "output", "tensor", "invoke"],
  ...["name", "shape", "type", "scale", "zeroPoint", "axis", "size", "data", "offset", "offsets", "total"],
  ...["convolve", "sum", "toArrayBuffer", "exports"],
];

const footer = 'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrt;';

/** Builds the bundle in memory (no files written). */
export async function buildRuntime(): Promise<RuntimeBundle> {
  const r = await build({
    entryPoints: [join(here, "src/bundle.ts")],
    bundle: true,
    format: "esm",
    target: "es2015",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  // wrap the ESM bundle as `var edgeqrt = function () { ...; return { load: load, ... }; }();`
  // (cheaper than esbuild's iife export helpers)
  const esm = r.outputFiles[0]?.text ?? "";
  const ex = /export\s*\{([^}]*)\};?\s*$/.exec(esm);
  if (!ex?.[1]) throw new Error("build: the ESM bundle has no trailing export list");
  const fields = ex[1]
    .split(",")
    .map((s) => s.trim().split(/\s+as\s+/))
    .map(([local, name]) => `${name ?? local}: ${local}`)
    .join(", ");
  const es2015 = `var edgeqrt = function () {\n${esm.slice(0, ex.index)}\nreturn { ${fields} };\n}();\n`;
  const es5 = ts.transpileModule(es2015, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, removeComments: true },
  }).outputText;
  const code = `${es5}\n${footer}\n`;
  const m = await minify(code, {
    ecma: 5,
    compress: { passes: 3 },
    mangle: {
      toplevel: false,
      // internal property names are mangled too; the public API and the engine built-ins
      // (terser reserves standard JS property names itself) keep theirs
      properties: { reserved: PUBLIC },
    },
    format: { ecma: 5 },
  });
  const min = m.code ?? "";
  return { code, min, gzipBytes: gzipSync(min, { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const b = await buildRuntime();
  const out = join(here, "dist");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "edgeq-rt.js"), b.code);
  writeFileSync(join(out, "edgeq-rt.min.js"), b.min);
  // the repo is "type": "module"; the bundle is a plain script / CommonJS file
  writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
  process.stdout.write(
    `runtime-int8/dist: edgeq-rt.js ${b.code.length} B, edgeq-rt.min.js ${b.min.length} B, gzip ${b.gzipBytes} B\n`,
  );
}
