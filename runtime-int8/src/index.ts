/**
 * edgeq's int8 runtime with every kernel: loads a .tflite as it is, plans one arena, runs
 * integer-only inference bit-exact with TFLite's reference kernels. ES5 once built; imports
 * nothing from toolchain/.
 *
 *   var m = edgeqrt.load(bytes);   // ArrayBuffer, Uint8Array or a byte string
 *   m.input(0).set(data); m.invoke(); m.output(0)
 */
import { KERNELS } from "./kernels/index.js";
import { loadModel, type Model } from "./loader.js";

export { KERNELS } from "./kernels/index.js";
export type { Model } from "./loader.js";
export { loadModel, use } from "./loader.js";
export { greedy } from "./plan.js";
export type { Context, Eval, Fast, Geom, Kernel, Q, RtOp, RtTensor, View } from "./types.js";

/** Loads a model with every kernel of the runtime; a bad file throws an Error "edgeqrt: ...". */
export function load(bytes: ArrayBuffer | Uint8Array | string): Model {
  return loadModel(bytes, KERNELS);
}
