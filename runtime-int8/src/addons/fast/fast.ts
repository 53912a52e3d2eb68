/**
 * The optional host kernels (ops/packed.ts: pixel pairs packed two to a double, blocked matmul,
 * scratch outside the arena), installed into the core: same bytes, faster on V8 and other JITs.
 * Importing this module installs them; its `load` is the core's.
 *
 *   import { load } from "runtime-int8/src/addons/fast/fast.js";   // instead of src/index.js
 *
 * Built as dist/edgeq-rt-fast.min.js, which installs itself into a global `edgeqrt` evaluated
 * before it (or `edgeqrt.use(require("./edgeq-rt-fast.min.js"))`).
 */
import { use } from "../../loader.js";
import type { Fast } from "../../types.js";
import { conv, dw, mm } from "./packed.js";

export const fast: Fast = { conv: conv, dw: dw, mm: mm };
use(fast);

export type { Model, RtOp, RtTensor, View } from "../../index.js";
export { greedy, load, use } from "../../index.js";
