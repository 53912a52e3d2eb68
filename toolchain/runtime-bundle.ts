/**
 * Per-model runtime bundles (issue 13 item 3): the int8 runtime holding only the kernels a model
 * uses, ES5, the same API as the full bundle (`edgeqrt.load`, `edgeqrt.use`). Built on demand with
 * runtime-int8/bundle-lib.ts (esbuild, TypeScript to ES5, terser), as `edgeq bundle` writes it and
 * `edgeq flash` uploads it. The bundler (esbuild, TypeScript, terser) loads only when a bundle is built.
 */
import { runInNewContext } from "node:vm";
import { EdgeqError } from "./errors.js";

export interface ModelRuntime {
  /** The minified bundle (a script defining `edgeqrt`; module.exports where `module` exists). */
  code: string;
  /** The same, readable ES5. */
  readable: string;
  /** The kernels it holds (TFLite op names). */
  ops: string[];
  /** gzip -9 size of `code`. */
  gzipBytes: number;
}

/**
 * The runtime for one model (its .tflite bytes): only the kernels its ops need. A file the runtime
 * cannot read, or an op it has no kernel for, is an EdgeqError naming the problem; `where` (a path)
 * goes into the message.
 */
export async function runtimeForModel(model: Uint8Array, where?: string): Promise<ModelRuntime> {
  const { buildCore, modelOpCodes, runtimeKernels } = await import("../runtime-int8/bundle-lib.js");
  let codes: number[];
  try {
    codes = await modelOpCodes(model);
  } catch (e) {
    throw new EdgeqError(
      "bundle/bad-model",
      `not a model the runtime can read: ${(e as Error).message}`,
      where,
    );
  }
  const kernels = await runtimeKernels();
  const missing = codes.filter((c) => !kernels.some((k) => k.code === c));
  if (missing.length) {
    throw new EdgeqError(
      "bundle/unsupported-op",
      `the model uses ${missing.map((c) => `builtin op code ${c}`).join(", ")}, which the runtime has no kernel for ` +
        `(edgeq inspect names the op; the runtime has ${kernels.map((k) => k.name).join(", ")})`,
      where,
    );
  }
  const ops = kernels.filter((k) => codes.includes(k.code)).map((k) => k.name);
  const b = await buildCore(ops);
  // the bundle itself must load the model (types, shapes, quantization: what only load checks)
  try {
    const sandbox: { edgeqrt?: { load(b: Uint8Array): unknown }; model: Uint8Array } = { model: model };
    runInNewContext(`${b.min}\nedgeqrt.load(model);`, sandbox, { timeout: 10000 });
  } catch (e) {
    throw new EdgeqError("bundle/load", `the runtime cannot load this model: ${(e as Error).message}`, where);
  }
  return { code: b.min, readable: b.code, ops: b.ops, gzipBytes: b.gzipBytes };
}

/** The full runtime (every kernel), built the same way. */
export async function fullRuntime(): Promise<ModelRuntime> {
  const { buildCore } = await import("../runtime-int8/bundle-lib.js");
  const b = await buildCore("all");
  return { code: b.min, readable: b.code, ops: b.ops, gzipBytes: b.gzipBytes };
}

/** The runtime bytes `edgeq flash` and `edgeq fit` use for a model, and where they came from. */
export interface RuntimeChoice {
  bytes: Uint8Array;
  /** "per-model (CONV_2D, ...)" or the --runtime path. */
  source: string;
}

/**
 * The runtime for `model`: the file at `path` when given (--runtime), else a per-model bundle holding
 * only the kernels the model uses. `where` names the model in errors.
 */
export async function runtimeFor(
  model: Uint8Array,
  path: string | undefined,
  readFile: (path: string) => Uint8Array,
  where?: string,
): Promise<RuntimeChoice> {
  if (path !== undefined) return { bytes: readFile(path), source: path };
  const rt = await runtimeForModel(model, where);
  return { bytes: new TextEncoder().encode(rt.code), source: `per-model bundle (${rt.ops.join(", ")})` };
}
