/**
 * The training backend: @tensorflow/tfjs-backend-wasm (SIMD build, loaded from the package's
 * own dist folder, no network) plus the gradient kernels it lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter), registered with
 * tf.registerKernel. Kernels read their inputs straight from the wasm heap and write their
 * outputs there; the filter gradient of a convolution goes through wasm's own matmul.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { EdgeqError } from "../errors.js";
import { fastAdam, registerAdamKernel } from "./adam.js";
import { fastBatchNorm, registerFastBatchNorm } from "./batchnorm.js";
import {
  conv2DBackpropInputFast,
  GRAD_KERNELS,
  identityShared,
  type KernelMode,
  makeKernels,
  tileFast,
} from "./wasm-kernels.js";

export { gradKernelOptions, type KernelMode } from "./wasm-kernels.js";

import type { BackendName } from "./options.js";

export type { BackendName } from "./options.js";

let registered: KernelMode | undefined;
const stock = new Map<string, tf.KernelConfig>();

function setKernel(name: string, kernelFunc: tf.KernelFunc | undefined): void {
  const cur = tf.getKernel(name, "wasm");
  if (cur && !stock.has(name)) stock.set(name, cur as tf.KernelConfig);
  if (cur) tf.unregisterKernel(name, "wasm");
  const orig = stock.get(name);
  if (kernelFunc) tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
  else if (orig) tf.registerKernel(orig);
}

/**
 * (Re)registers edgeq's kernels for the 'wasm' backend. 'fast': the three gradient kernels plus
 * faster Conv2DBackpropInput (matmul + col2im) and Tile. 'naive': plain-JS gradient kernels
 * and the stock wasm kernels for everything else (the bench's baseline).
 */
export function registerGradKernels(mode: KernelMode = "fast"): void {
  if (registered === mode) return;
  const impl = makeKernels(mode);
  for (const name of GRAD_KERNELS) setKernel(name, impl[name] as tf.KernelFunc);
  setKernel(
    "Conv2DBackpropInput",
    mode === "fast" ? (conv2DBackpropInputFast as unknown as tf.KernelFunc) : undefined,
  );
  setKernel("Tile", mode === "fast" ? (tileFast as unknown as tf.KernelFunc) : undefined);
  setKernel("Identity", mode === "fast" ? (identityShared as unknown as tf.KernelFunc) : undefined);
  registerFastBatchNorm();
  fastBatchNorm.enabled = mode === "fast";
  registerAdamKernel();
  fastAdam.enabled = mode === "fast";
  registered = mode;
}

/** The folder holding the wasm binaries of @tensorflow/tfjs-backend-wasm (local, no network). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return `${join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist")}/`;
}

let wasmPathsSet = false;

/** Selects the training backend; 'wasm' gets edgeq's gradient kernels (mode 'fast' unless told). */
export async function initBackend(name: BackendName = "wasm", mode: KernelMode = "fast"): Promise<void> {
  if (name === "wasm") {
    if (!wasmPathsSet) {
      setWasmPaths(wasmDistDir());
      wasmPathsSet = true;
    }
    registerGradKernels(mode);
  }
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new EdgeqError("train-backend", `cannot start the tfjs '${name}' backend`, name);
  }
  await tf.ready();
}
