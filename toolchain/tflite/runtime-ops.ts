/**
 * Which builtin ops edgeq's int8 runtime (runtime-int8/) can run: the ONE place the toolchain
 * asks, read off the runtime's kernel list (runtime-int8/src/kernels/index.ts, one kernel per
 * op), so an op added to the runtime is known here with no second list. `edgeq inspect` marks
 * every other op "not supported by the runtime".
 */
import { KERNELS } from "../../runtime-int8/src/kernels/index.js";

const RUNTIME_CODES: readonly number[] = KERNELS.map((k) => k.code);

/** True when the runtime has a kernel for this builtin code. */
export function runtimeSupports(code: number): boolean {
  return RUNTIME_CODES.includes(code);
}

/** The builtin codes the runtime runs. */
export function runtimeCodes(): number[] {
  return [...RUNTIME_CODES];
}
