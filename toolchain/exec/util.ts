/** Shared helpers of the float executor (and of shape math elsewhere in quantize). */
import type { Padding } from "../ir/types.js";

/** TF 'SAME'/'VALID' output size and leading pad for one spatial dim. */
export function convOut(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { out: number; padBefore: number } {
  const ek = (k - 1) * dilation + 1;
  if (padding === "VALID") return { out: Math.floor((inSize - ek) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + ek - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** Applies a fused activation in place. */
export function applyActivation(x: Float32Array, act: "NONE" | "RELU" | "RELU6"): Float32Array {
  if (act === "RELU") for (let i = 0; i < x.length; i++) x[i] = Math.max(0, x[i]!);
  else if (act === "RELU6") for (let i = 0; i < x.length; i++) x[i] = Math.min(6, Math.max(0, x[i]!));
  return x;
}

/** Product of a shape's dims (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
