/**
 * Which builtin ops edgeq's int8 runtime (runtime-int8/) can run: the ONE place the toolchain
 * asks, read off the runtime's kernel list (runtime-int8/src/kernels/index.ts, one kernel per
 * op), so an op added to the runtime is known here with no second list. `edgeq inspect` marks
 * every other op "not supported by the runtime".
 */
import { KERNELS } from "../../runtime-int8/src/kernels/index.js";
import type { RtTensor } from "../../runtime-int8/src/types.js";
import type { Graph, Tensor } from "../ir/types.js";
import { BUILTIN_CODE, DTYPE_BYTES, TENSOR_TYPE } from "./schema.js";

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
 * Why the runtime cannot run each op of g (undefined where it can), as its loader decides: a
 * kernel for the op's code, and every activation int8 unless the kernel accepts its type
 * (lifetimes.ts). Tensors the loader computes at load count as constants: outputs of ops whose
 * kernel folds (kernel.fold: SHAPE, and shape arithmetic on constants), e.g. Keras Flatten's
 * int32 SHAPE, STRIDED_SLICE, PACK feeding RESHAPE.
 */
export function runtimeRefusals(g: Graph): (string | undefined)[] {
  const known = new Set<number>();
  g.tensors.forEach((t, i) => {
    if (t.data) known.add(i);
  });
  return g.ops.map((op) => {
    const kernel = KERNELS.find((k) => k.code === BUILTIN_CODE[op.type]);
    if (!kernel) return "no kernel";
    const inputsKnown = op.inputs.every((i) => i < 0 || known.has(i));
    if (kernel.fold && (op.type === "SHAPE" || inputsKnown)) {
      for (const o of op.outputs) known.add(o);
      return undefined;
    }
    const ios = [
      ...op.inputs.map((i, j) => [i, true, j] as const),
      ...op.outputs.map((i, j) => [i, false, j] as const),
    ];
    for (const [i, isInput, j] of ios) {
      const t = g.tensors[i];
      if (!t || known.has(i) || t.dtype === "int8") continue;
      if (!kernel.accepts?.(rtTensor(t), isInput, j))
        return `${t.dtype} ${isInput ? "input" : "output"} ${j}`;
    }
    return undefined;
  });
}

/** The fields of the runtime's tensor record a kernel's accepts() may look at. */
function rtTensor(t: Tensor): RtTensor {
  const q = t.quant;
  return {
    name: t.name,
    shape: t.shape,
    type: TENSOR_TYPE[t.dtype],
    scale: q?.scale ?? [],
    zeroPoint: q?.zeroPoint ?? [],
    axis: q?.axis ?? 0,
    size: t.shape.reduce((a, d) => a * d, 1),
    offset: -1,
    elementBytes: DTYPE_BYTES[t.dtype],
    firstScale: q?.scale[0] ?? 0,
    firstZeroPoint: q?.zeroPoint[0] ?? 0,
  };
}
