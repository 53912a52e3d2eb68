/**
 * `npm run build:web`: makes web/dist/edgeq-web.html, one self-contained static page (no
 * server, no network) holding the runtime bundle, TFLite-WASM's module and its wasm binary.
 * Open it from disk, pick a .tflite, and it runs both side by side.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRuntime } from "../runtime-int8/build.js";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Makes inline script text safe inside a <script> element. */
function inlineJs(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function fill(template: string, key: string, value: string): string {
  const marker = `/*${key}*/`;
  if (!template.includes(marker)) throw new Error(`web/page.html: placeholder ${marker} is missing`);
  return template.split(marker).join(value);
}

/** Builds the page in memory and returns its HTML. */
export async function buildWebPage(): Promise<string> {
  const rt = await buildRuntime();
  const wasmJs = readFileSync(
    require.resolve("@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.js"),
    "utf8",
  );
  const wasm = readFileSync(require.resolve("@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm"));
  let html = readFileSync(join(here, "page.html"), "utf8");
  // the core plus its optional kernels (same bytes): WebAssembly-SIMD where the browser has it,
  // else the plain-JS host kernels (each add-on installs itself; the last `use` wins, so the page
  // installs the pair: an op the wasm set declines goes to the JS set, then to the core)
  const compose =
    "var edgeqKernels = { wasm: 0, js: 0 };" +
    "function edgeqPick(k) { return function (g) { var e = edgeqrtWasm[k](g); if (e) { edgeqKernels.wasm++; return e; } " +
    "e = edgeqrtFast[k](g); if (e) edgeqKernels.js++; return e; }; }" +
    'edgeqrt.use({ conv: edgeqPick("conv"), dw: edgeqPick("dw"), mm: edgeqPick("mm") });';
  html = fill(html, "EDGEQ_RUNTIME", inlineJs(`${rt.min}\n${rt.fast.min}\n${rt.wasm.min}\n${compose}`));
  html = fill(html, "TFLITE_WASM_JS", inlineJs(wasmJs));
  html = fill(html, "TFLITE_WASM_B64", wasm.toString("base64"));
  html = fill(html, "APP_JS", inlineJs(readFileSync(join(here, "app.js"), "utf8")));
  return html;
}

/** Writes the page to `outFile` (default web/dist/edgeq-web.html) and returns the path. */
export async function writeWebPage(outFile = join(here, "dist", "edgeq-web.html")): Promise<string> {
  const html = await buildWebPage();
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, html);
  return outFile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await writeWebPage();
  process.stdout.write(`wrote ${out} (${(readFileSync(out).length / 1e6).toFixed(1)} MB, self-contained)\n`);
}
