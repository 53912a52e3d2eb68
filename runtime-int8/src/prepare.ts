/**
 * Views and prepare: typed-array views of the constants (over the model bytes) and of the
 * activations (over the arena), then every kernel's prepare, which returns the op's eval.
 */
import { fail } from "./errors.js";
import { I8 } from "./kernels/requantize.js";
import type { Context, Eval, Kernel, RtOp, RtTensor, View } from "./types.js";
import { TensorType } from "./types.js";

/** (Uint8Array under a short name once minified) */
export const U8 = Uint8Array;

/** A view of tensor t's elements at byte `offset` of `buffer` (little-endian, as TFLite files); a misaligned int32/float32 constant is copied, int64 gives its low words. */
export function viewOf(t: RtTensor, buffer: ArrayBuffer, offset: number): View {
  const type = t.type;
  const n = t.size;
  const bytes = t.elementBytes;
  if (bytes > 1 && offset % 4) {
    buffer = new U8(new U8(buffer, offset, n * bytes)).buffer as ArrayBuffer;
    offset = 0;
  }
  const A = (
    type === TensorType.INT8 ? I8 : bytes < 2 ? U8 : type ? Int32Array : Float32Array
  ) as typeof Int32Array;
  const v = new A(buffer, offset, type === TensorType.INT64 ? 2 * n : n);
  if (type !== TensorType.INT64) return v;
  const low = new Int32Array(n);
  for (let i = n; i--; ) low[i] = v[2 * i] as number;
  return low;
}

/** Views of the constants: over the model's bytes (no copy, but for misaligned ones). */
export function constantViews(tensors: RtTensor[]): void {
  tensors.forEach((t) => {
    const d = t.data;
    if (d && !t.view) t.view = viewOf(t, d.buffer as ArrayBuffer, d.byteOffset);
  });
}

/**
 * Every op's eval: kernels[k].prepare, or a no-op for an op folded at load (kernel undefined). A
 * prepare error becomes "edgeqrt: op k NAME: <what failed>".
 */
export function prepareAll(
  context: Context,
  ops: RtOp[],
  tensors: RtTensor[],
  kernels: (Kernel | undefined)[],
): Eval[] {
  return ops.map((op, k) => {
    const kernel = kernels[k];
    if (!kernel) return () => {};
    try {
      return kernel.prepare(
        context,
        op,
        op.inputs.map((i) => tensors[i] as RtTensor),
        op.outputs.map((i) => tensors[i] as RtTensor),
      );
    } catch (e) {
      return fail("op " + k + " " + kernel.name + ": " + (e as Error).message);
    }
  });
}
