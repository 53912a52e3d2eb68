/**
 * Which builtin ops edgeq's int8 runtime (runtime-int8/) can run: the ONE place the toolchain
 * asks, read off the runtime's kernel list (runtime-int8/src/kernels/index.ts, one kernel per
 * op), so an op added to the runtime is known here with no second list. `edgeq inspect` marks
 * every other op "not supported by the runtime".
 */
import { KERNELS } from "../../runtime-int8/src/kernels/index.js";
import type { RtTensor } from "../../runtime-int8/src/types.js";
import type { Graph, Op } from "../ir/types.js";
import { DTYPE_BYTES, TENSOR_TYPE } from "./schema.js";

const RUNTIME_CODES: readonly number[] = KERNELS.map((k) => k.code);

/** True when the runtime has a kernel for this builtin code. */
export function runtimeSupports(code: number): boolean {
  return RUNTIME_CODES.includes(code);
}

/** The builtin codes the runtime runs. */
export function runtimeCodes(): number[] {
  return [...RUNTIME_CODES];
}

/**
 * Why the runtime cannot run this op of g, or undefined when it can: no kernel for its code,
 * or an activation of another type than int8 that the kernel does not accept (the runtime's
 * own load-time rule, lifetimes.ts).
 */
export function runtimeRefuses(g: Graph, op: Op, code: number): string | undefined {
  const kernel = KERNELS.find((k) => k.code === code);
  if (!kernel) return "no kernel";
  const ios = [
    ...op.inputs.map((i, j) => [i, true, j] as const),
    ...op.outputs.map((i, j) => [i, false, j] as const),
  ];
  for (const [i, isInput, j] of ios) {
    const t = g.tensors[i];
    if (!t || t.data || t.dtype === "int8") continue;
    const q = t.quant;
    const size = t.shape.reduce((a, d) => a * d, 1);
    const rt: RtTensor = {
      name: t.name,
      shape: t.shape,
      type: TENSOR_TYPE[t.dtype],
      scale: q?.scale ?? [],
      zeroPoint: q?.zeroPoint ?? [],
      axis: q?.axis ?? 0,
      size,
      offset: -1,
      elementBytes: DTYPE_BYTES[t.dtype],
      firstScale: q?.scale[0] ?? 0,
      firstZeroPoint: q?.zeroPoint[0] ?? 0,
    };
    if (!kernel.accepts?.(rt, isInput, j)) return `${t.dtype} ${isInput ? "input" : "output"} ${j}`;
  }
  return undefined;
}
