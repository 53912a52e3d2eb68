/**
 * Entry of the WebAssembly add-on bundle dist/edgeq-rt-wasm.min.js (runtime-int8/build-wasm.ts):
 * the Fast kernel set over src/wasm/kernels.wat, whose assembled bytes (base64) the build puts
 * in place of EDGEQ_WASM.
 */
import { wasmKernels } from "./wasm.js";

declare const EDGEQ_WASM: string;

const k = wasmKernels(EDGEQ_WASM);
export const conv = k.conv;
export const dw = k.dw;
export const mm = k.mm;
