/**
 * Building runtime bundles: the full one (every kernel, build.ts) and per-model ones holding only
 * the kernels a model uses (like TFLite Micro's op-resolver generator), same API (`edgeqrt.load`,
 * `edgeqrt.use`). esbuild bundles an entry (ESM), the bundle is wrapped as
 * `var NAME = function () { ...; return { exports }; }();`, TypeScript lowers it to ES5, terser
 * minifies (ecma 5, internal property names mangled). Runs at build time and in `edgeq bundle` /
 * `edgeq flash` (esbuild, typescript and terser are then run-time dependencies of the toolchain).
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { minify } from "terser";
import ts from "typescript";
import type { Kernel } from "./src/types.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The runtime's modules next to this one: TypeScript sources (repository, tsx) or compiled JS (dist/runtime-int8/src). */
const SRC = join(here, "src");
/**
 * What esbuild bundles: the TypeScript sources where they are (the repository; the package ships
 * them as runtime-int8/src beside dist/), whose const enums esbuild inlines; else the compiled JS.
 */
const BUNDLE_SRC =
  [SRC, join(here, "../../runtime-int8/src")].find((d) => existsSync(join(d, "loader.ts"))) ?? SRC;

/** Property names the bundle's users see (API, tensor and op info) or that Espruino defines. */
const PUBLIC = [
  ...["load", "arenaBytes", "tensors", "ops", "inputs", "outputs", "input", "output", "tensor", "invoke"],
  ...["name", "shape", "type", "scale", "zeroPoint", "axis", "size", "data", "offset", "offsets", "total"],
  ...["convolve", "sum", "mapInPlace", "toArrayBuffer", "exports", "use"],
  // (Espruino natives for parts of buffers over 64 KB: src/kernels/region.ts)
  ...["memoryArea", "getAddressOf", "env", "BOARD"],
  // the add-on interface (Fast: conv, dw, mm, and the Geom they get) between a core, full or per
  // model, and the separately built add-ons: public, so any core works with any add-on and pages
  // can compose kernel sets (web/build.ts)
  ...["conv", "dw", "mm", "pool"],
  ...["N", "H", "IW", "C", "KH", "KW", "OC", "OH", "OW", "sh", "sw", "dh", "ph", "pw"],
  ...["b", "off", "wz", "x", "w", "y", "m", "l", "r", "lo", "hi", "yz"],
];

/**
 * The standard JavaScript built-ins' property names (terser's own list without its DOM property
 * list): a core bundle reserves only these and PUBLIC, so internal names that happen to be DOM
 * property names too (view, options, code, first, last, size...) are mangled as well.
 */
const JS_BUILTINS: string[] = (() => {
  const names = new Set<string>(["null", "true", "false", "NaN", "Infinity", "-Infinity", "undefined"]);
  const ctors: unknown[] = [
    Object,
    Array,
    Function,
    Number,
    String,
    Boolean,
    Error,
    Math,
    Date,
    RegExp,
    Symbol,
  ];
  ctors.push(ArrayBuffer, DataView, JSON, Map, Promise, Proxy, Reflect, Set, WeakMap, WeakSet);
  ctors.push(EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError);
  ctors.push(Float32Array, Float64Array, Int8Array, Int16Array, Int32Array);
  ctors.push(Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array);
  // (typed arrays' shared prototype: buffer, byteOffset, subarray, set...)
  ctors.push(Object.getPrototypeOf(Int8Array));
  for (const c of ctors) {
    for (const n of Object.getOwnPropertyNames(c)) names.add(n);
    const proto = (c as { prototype?: object }).prototype;
    if (proto) for (const n of Object.getOwnPropertyNames(proto)) names.add(n);
  }
  return [...names];
})();

/** The footer of a core bundle (full or per model): CommonJS export where `module` exists. */
export const CORE_FOOTER = 'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrt;';

/** A bundle entry: a file under runtime-int8/ (e.g. "src/addons/fast/fast-bundle.ts"), or module source resolved from src/. */
export type Entry = string | { contents: string };

/** esbuild (ESM) -> `var NAME = function () { ...; return { exports }; }();` -> ES5 (TypeScript). */
export async function es5(entry: Entry, name: string, footer: string): Promise<string> {
  const r = await build({
    ...(typeof entry === "string"
      ? { entryPoints: [join(here, entry)] }
      : {
          stdin: {
            contents: entry.contents,
            resolveDir: BUNDLE_SRC,
            sourcefile: "entry.ts",
            loader: "ts" as const,
          },
        }),
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

/**
 * terser, ecma 5, internal property names mangled (nameCache: shared by bundles built together).
 * core: a core bundle (full or per model), which reads no DOM property, so only PUBLIC and the
 * JavaScript built-ins keep their names; the add-ons (WebAssembly's API) keep terser's default list.
 */
export async function min(
  code: string,
  nameCache: object,
  core?: boolean,
  /** more names to keep (an add-on's platform names, e.g. the native add-on's E.nativeCall) */
  extraReserved: string[] = [],
): Promise<string> {
  const m = await minify(code, {
    ecma: 5,
    // (pure_getters: no property read has side effects; unsafe: built-in calls taken at face value;
    // keep_fargs false: unused trailing parameters go; hoist_funs: declarations first)
    compress: { passes: 3, pure_getters: true, unsafe: true, keep_fargs: false, hoist_funs: true },
    mangle: {
      toplevel: false,
      // internal property names are mangled too; the public API and the engine built-ins
      // (terser reserves standard JS property names itself) keep theirs
      properties: core
        ? { builtins: true, reserved: [...PUBLIC, ...JS_BUILTINS, ...extraReserved] }
        : { reserved: [...PUBLIC, ...extraReserved] },
    },
    nameCache: nameCache,
    format: { ecma: 5 },
  });
  return m.code ?? "";
}

/** gzip -9 size. */
export const gz = (s: string): number => gzipSync(s, { level: 9 }).length;

/** One kernel of the runtime: its op, its file under src/kernels/ and the name it is exported as. */
export interface KernelSource {
  code: number;
  name: string;
  /** e.g. "conv_2d" (src/kernels/conv_2d.ts): the op name in snake case, lower case. */
  file: string;
  exportName: string;
}

/** The module file (.ts in the sources, .js once compiled) of a path under src/ without extension. */
function moduleFile(path: string): string {
  const ts = join(SRC, `${path}.ts`);
  return existsSync(ts) ? ts : join(SRC, `${path}.js`);
}

let kernelSources: Promise<KernelSource[]> | undefined;

/**
 * Every kernel of the full runtime (src/kernels/index.ts), in its list's order, with its file:
 * kernels/<name in lower case>.ts by the rule that lets a reader find any op from its file name
 * (test/runtime/bundle.test.ts checks it); a kernel exported from another file of kernels/ is
 * still found (so a build never depends on the rule), and one found nowhere is an error.
 */
export function runtimeKernels(): Promise<KernelSource[]> {
  kernelSources ??= (async () => {
    const list = (await import(pathToFileURL(moduleFile("kernels/index")).href)) as { KERNELS: Kernel[] };
    const modules = new Map<string, Record<string, unknown>>();
    const exportsOf = async (file: string) => {
      const path = moduleFile(`kernels/${file}`);
      if (!modules.has(file))
        modules.set(
          file,
          existsSync(path) ? ((await import(pathToFileURL(path).href)) as Record<string, unknown>) : {},
        );
      return modules.get(file) as Record<string, unknown>;
    };
    const files = readdirSync(join(SRC, "kernels"))
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("index."))
      .map((f) => f.replace(/\.(ts|js)$/, ""));
    const sources: KernelSource[] = [];
    for (const k of list.KERNELS) {
      let found: KernelSource | undefined;
      for (const file of [k.name.toLowerCase(), ...files]) {
        const mod = await exportsOf(file);
        const exportName = Object.keys(mod).find((e) => mod[e] === k);
        if (exportName) {
          found = { code: k.code, name: k.name, file, exportName };
          break;
        }
      }
      if (!found) throw new Error(`build: kernel ${k.name} is exported by no file of src/kernels/`);
      sources.push(found);
    }
    return sources;
  })();
  return kernelSources;
}

/** A runtime bundle's code: readable ES5 and minified, and the kernels it holds. */
export interface CoreBundle {
  /** ES5, readable. */
  code: string;
  /** ES5, minified. */
  min: string;
  gzipBytes: number;
  /** The op names of its kernels, in the full list's order. */
  ops: string[];
}

/**
 * The entry of a core holding the given kernels (all of them for the full bundle): the loader with
 * that list, exporting load and use (an ES module, bundled from src/, sources or compiled).
 */
export function coreEntry(kernels: KernelSource[]): string {
  return [
    'import { loadModel, use } from "./loader.js";',
    ...kernels.map((k) => `import { ${k.exportName} } from "./kernels/${k.file}.js";`),
    `const kernels = [${kernels.map((k) => k.exportName).join(", ")}];`,
    "export function load(bytes) { return loadModel(bytes, kernels); }",
    "export { use };",
    "",
  ].join("\n");
}

/**
 * Builds a core (no files written) holding the kernels of `ops` (TFLite op names, e.g.
 * ["CONV_2D", "SOFTMAX"]; any order, repeats allowed) or "all". An op without a kernel throws,
 * naming it. nameCache: terser's, to share property names with add-ons built alongside (optional:
 * the add-on interface's names are public anyway).
 */
export async function buildCore(ops: string[] | "all", nameCache: object = {}): Promise<CoreBundle> {
  const all = await runtimeKernels();
  let kernels = all;
  if (ops !== "all") {
    const wanted = new Set(ops);
    const missing = [...wanted].filter((o) => !all.some((k) => k.name === o));
    if (missing.length)
      throw new Error(
        `build: no kernel for ${missing.join(", ")} (the runtime has ${all.map((k) => k.name).join(", ")})`,
      );
    kernels = all.filter((k) => wanted.has(k.name));
  }
  const code = await es5({ contents: coreEntry(kernels) }, "edgeqrt", CORE_FOOTER);
  const m = await min(code, nameCache, true);
  return { code, min: m, gzipBytes: gz(m), ops: kernels.map((k) => k.name) };
}

/** The builtin op codes a model's first subgraph uses (the runtime's own reader; throws "edgeqrt: ..." on a bad file), in order of first use. */
export async function modelOpCodes(bytes: Uint8Array): Promise<number[]> {
  const { parse } = (await import(
    pathToFileURL(moduleFile("parse")).href
  )) as typeof import("./src/parse.js");
  const codes: number[] = [];
  for (const op of parse(bytes).operators) if (!codes.includes(op.code)) codes.push(op.code);
  return codes;
}
