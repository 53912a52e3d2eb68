/**
 * Which builtin ops edgeq's int8 runtime (runtime-int8/) can run: the ONE place the toolchain
 * asks. `edgeq inspect` marks every other op "not supported by the runtime".
 *
 * Until the runtime's kernel registry (runtime-int8/src/kernels/index.ts) lands, this mirrors
 * the CODES list of runtime-int8/src/index.ts; test/tflite/inspect-any.test.ts checks the two
 * agree, and this file switches to the registry's list when it exists.
 */
const RUNTIME_CODES: readonly number[] = [0, 1, 2, 3, 4, 6, 9, 17, 18, 19, 21, 22, 25, 34, 40, 114];

/** True when the runtime has a kernel for this builtin code. */
export function runtimeSupports(code: number): boolean {
  return RUNTIME_CODES.includes(code);
}

/** The builtin codes the runtime runs. */
export function runtimeCodes(): number[] {
  return [...RUNTIME_CODES];
}
