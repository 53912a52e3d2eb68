/**
 * The optional WebAssembly-SIMD add-on (called by build.ts): assembles src/addons/wasm/kernels.wat with
 * wabt (an exact-pinned dev dependency; the .wasm is never hand-written or committed), and bundles
 * the glue src/addons/wasm/wasm-bundle.ts with the module's bytes inlined as base64, as dist/edgeq-rt-wasm.js
 * / .min.js. Evaluated after the core as a script it installs itself (edgeqrt.use); as CommonJS
 * it exports the kernel set. Minified with the core's property names (the caller's `min`).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

const here = dirname(fileURLToPath(import.meta.url));

export interface WasmAddon {
  /** ES5, readable. */
  code: string;
  /** ES5, minified. */
  min: string;
  gzipBytes: number;
  /** Bytes of the WebAssembly module inside. */
  wasmBytes: number;
}

const FOOTER =
  'if (typeof edgeqrt !== "undefined" && edgeqrt && edgeqrt.use) edgeqrt.use(edgeqrtWasm);\n' +
  'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrtWasm;';

/** src/addons/wasm/kernels.wat -> WebAssembly binary (SIMD). */
export async function assembleKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const file = join(here, "src/addons/wasm/kernels.wat");
  const m = wabt.parseWat("kernels.wat", readFileSync(file, "utf8"), { simd: true });
  try {
    m.validate();
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

/** Bundles the add-on: es5(entry, global name, footer) and min(code) are build.ts's, gz its gzip size. */
export async function buildWasmAddon(
  es5: (entry: string, name: string, footer: string) => Promise<string>,
  min: (code: string) => Promise<string>,
  gz: (s: string) => number,
): Promise<WasmAddon> {
  const bytes = await assembleKernels();
  const b64 = Buffer.from(bytes).toString("base64").replace(/=+$/, "");
  const glue = await es5("src/addons/wasm/wasm-bundle.ts", "edgeqrtWasm", FOOTER);
  const parts = glue.split("EDGEQ_WASM");
  if (parts.length !== 2) throw new Error("build-wasm: expected one EDGEQ_WASM in the glue");
  const code = parts.join(JSON.stringify(b64));
  const m = await min(code);
  return { code, min: m, gzipBytes: gz(m), wasmBytes: bytes.length };
}
