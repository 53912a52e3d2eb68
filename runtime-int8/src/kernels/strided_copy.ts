/**
 * What the shape and data-movement kernels share (STRIDED_SLICE, TRANSPOSE, PACK, UNPACK, SPLIT,
 * PADV2, RESIZE_NEAREST_NEIGHBOR, SHAPE): the strided block copy, reading an op's constant int32
 * operands, and folding int32 shape arithmetic at load.
 */
import { check } from "../errors.js";
import type { Context, Eval, Kernel, RtOp, RtTensor, View } from "../types.js";
import { TensorType } from "../types.js";
import { stridesOf } from "./layout.js";
import { zeros } from "./requantize.js";

/**
 * Copies a block of `dims` elements from src (element (i_0, .., i_k) at srcBase + sum of i_d *
 * srcStrides[d]) to dst (dstBase, dstStrides), last dim fastest. A row along the last dim is one
 * subarray + set (native on Espruino) when both strides there are 1, else one element at a time.
 * Integer-only (index arithmetic on int32 numbers); any typed array of the same kind.
 */
export function copyBlock(
  src: View,
  srcBase: number,
  srcStrides: number[],
  dst: View,
  dstBase: number,
  dstStrides: number[],
  dims: number[],
): void {
  const last = dims.length - 1;
  if (last < 0) {
    dst[dstBase] = src[srcBase] as number;
    return;
  }
  let rows = 1;
  for (let d = last; d--; ) rows *= dims[d] as number;
  const inner = dims[last] as number;
  const srcStep = srcStrides[last] as number;
  const dstStep = dstStrides[last] as number;
  const runs = srcStep === 1 && dstStep === 1;
  // the index over dims 0 .. last - 1 (the row), counted up like an odometer
  const index = zeros(last);
  let s = srcBase;
  let t = dstBase;
  for (let row = inner ? rows : 0; row--; ) {
    if (runs) (dst as Int8Array).set((src as Int8Array).subarray(s, s + inner), t);
    else for (let k = 0, a = s, b = t; k < inner; k++, a += srcStep, b += dstStep) dst[b] = src[a] as number;
    for (let d = last; d--; ) {
      s += srcStrides[d] as number;
      t += dstStrides[d] as number;
      const i = (index[d] as number) + 1;
      if (i < (dims[d] as number)) {
        index[d] = i;
        break;
      }
      index[d] = 0;
      s -= (dims[d] as number) * (srcStrides[d] as number);
      t -= (dims[d] as number) * (dstStrides[d] as number);
    }
  }
}

/** The values of an operand that must be a constant int32 tensor (named `what` in the error). */
export function constantInts(T: RtTensor | undefined, what: string): View {
  check(!!T && !!T.data && T.type === TensorType.INT32, what + " must be a constant int32 tensor");
  return (T as RtTensor).view as View;
}

/** Checks a tensor's shape: "output shape [2,3], expected [3,2]". */
export function checkShape(T: RtTensor, want: number[]): void {
  check(T.shape.join() === want.join(), "output shape [" + T.shape + "], expected [" + want + "]");
}

/**
 * x cut along `axis` into the outputs (UNPACK: parts of size 1 with the axis dropped; SPLIT: equal
 * parts): output i is x from i * size along the axis, over the dims `part` (each output's shape)
 * with x's strides `from` (the axis left out for UNPACK).
 */
export function cut(
  X: RtTensor,
  outputs: RtTensor[],
  axis: number,
  size: number,
  part: number[],
  from: number[],
): Eval {
  const x = X.view as Int8Array;
  const step = size * (stridesOf(X.shape)[axis] as number);
  const partStrides = stridesOf(part);
  outputs.forEach((Y) => {
    checkShape(Y, part);
  });
  return () => {
    if (X.size)
      outputs.forEach((Y, i) => {
        copyBlock(x, i * step, from, Y.view as View, 0, partStrides, part);
      });
  };
}

/**
 * Kernel.fold for the int32 shape arithmetic of converter models (Keras Flatten's SHAPE ->
 * STRIDED_SLICE -> PACK -> RESHAPE): when the outputs are int32, computes them now, once, by the
 * kernel's own prepare + eval over fresh Int32Arrays, which become constants (`data`, `view`): the
 * op then takes no arena and runs no eval. `staticInputs`: the inputs' values are not read (SHAPE
 * reads only shapes), so they need not be constants. int8 outputs are left to run as usual. The
 * runtime computes int32 tensors only here: an int32 output whose inputs are not known at load is
 * refused with this error (the loader prefixes "op k NAME: ").
 */
export function foldInt32(
  kernel: Kernel,
  op: RtOp,
  inputs: RtTensor[],
  outputs: RtTensor[],
  staticInputs?: boolean,
): boolean {
  if (!outputs.some((t) => t.type === TensorType.INT32)) return false;
  inputs.forEach((t, j) => {
    if (!staticInputs && t && !t.data)
      throw new Error(
        "input " +
          j +
          " is not known at load, and int32 outputs are computed only at load (from constants and static shapes)",
      );
  });
  outputs.forEach((t) => {
    const v = new Int32Array(t.size);
    t.view = v;
    t.data = new Uint8Array(v.buffer);
  });
  kernel.prepare({} as Context, op, inputs, outputs)();
  return true;
}
