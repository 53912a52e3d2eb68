/**
 * The kernel functions edgeq registers for tfjs' 'wasm' backend: the three missing gradient
 * kernels (Conv2DBackpropFilter through im2col + wasm matmul, depthwise input gradient through
 * wasm's depthwise convolution, depthwise filter gradient in JS), plus faster
 * Conv2DBackpropInput (matmul + col2im) and Tile. Inputs are read from the wasm heap and outputs
 * written there (backend.typedArrayFromHeap / makeOutput).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  depthwiseInputAsConv,
  dilateByStride,
  fastDepthwiseBackpropFilter,
  fastDepthwiseBackpropInput,
  naiveDepthwiseBackpropFilter,
  naiveDepthwiseBackpropInput,
  rotate180,
  strideDilatedSize,
} from "./depthwise-grad.js";
import {
  type ConvGeom,
  col2imAdd,
  fastConv2DBackpropFilter,
  im2colT,
  naiveConv2DBackpropFilter,
  tileInto,
} from "./grad-kernels.js";

import type { KernelMode } from "./options.js";

export type { KernelMode } from "./options.js";

export const GRAD_KERNELS = [
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
] as const;

type Info = tf.backend_util.Conv2DInfo;

function geom(c: Info): ConvGeom {
  return {
    batch: c.batchSize,
    inH: c.inHeight,
    inW: c.inWidth,
    inC: c.inChannels,
    outH: c.outHeight,
    outW: c.outWidth,
    outC: c.outChannels,
    fH: c.filterHeight,
    fW: c.filterWidth,
    strideH: c.strideHeight,
    strideW: c.strideWidth,
    dilH: c.dilationHeight,
    dilW: c.dilationWidth,
    padTop: c.padInfo.top,
    padLeft: c.padInfo.left,
  };
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo | undefined>;
  backend: BackendWasm;
  // biome-ignore lint/suspicious/noExplicitAny: tfjs passes kernel attrs untyped
  attrs: Record<string, any>;
}

function input(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (!t) throw new Error(`edgeq kernel: missing input ${name}`);
  if (t.dtype !== "float32") throw new Error(`edgeq kernel: input ${name} must be float32, got ${t.dtype}`);
  return t;
}

function heap(b: BackendWasm, t: tf.TensorInfo): Float32Array {
  return b.typedArrayFromHeap(t) as Float32Array;
}

/** One of the wasm backend's own kernels. */
function wasmKernel(name: string): tf.KernelConfig {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`edgeq kernel: wasm ${name} missing`);
  return k;
}

/** A 1x1, stride 1, unpadded convolution: im2col is the identity (up to a transpose). */
function isPointwise(g: ConvGeom): boolean {
  return g.fH === 1 && g.fW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;
}

/** tfjs' Conv2DInfo (NHWC) from a gradient kernel's attrs (strides, pad, dimRoundingMode), and its ConvGeom. */
function convInfo(
  args: KernelArgs,
  inShape: number[],
  filterShape: number[],
  dilations: number | [number, number],
  depthwise: boolean,
): { info: Info; g: ConvGeom } {
  const { strides, pad, dimRoundingMode } = args.attrs;
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
  );
  return { info, g: geom(info) };
}

/** Filter gradient of Conv2D as one wasm matmul: dw[K, outC] = im2colT(x)[K, rows] x dy[rows, outC]. */
function conv2DFilterByMatmul(
  b: BackendWasm,
  g: ConvGeom,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  shape: number[],
) {
  const k = g.fH * g.fW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  const matmul = wasmKernel("BatchMatMul");
  let col: tf.TensorInfo;
  if (isPointwise(g)) {
    // im2col of a 1x1 convolution is a transpose; wasm's Transpose does it faster than JS.
    const transpose = wasmKernel("Transpose");
    const x2: tf.TensorInfo = { dataId: x.dataId, shape: [rows, k], dtype: "float32" };
    const t = transpose.kernelFunc({
      inputs: { x: x2 },
      attrs: { perm: [1, 0] },
      backend: b,
    }) as tf.TensorInfo;
    col = { dataId: t.dataId, shape: [1, k, rows], dtype: "float32" };
  } else {
    col = b.makeOutput([1, k, rows], "float32");
    im2colT(g, heap(b, x), heap(b, col));
  }
  const dy3: tf.TensorInfo = { dataId: dy.dataId, shape: [1, rows, g.outC], dtype: "float32" };
  const out = matmul.kernelFunc({
    inputs: { a: col, b: dy3 },
    attrs: { transposeA: false, transposeB: false },
    backend: b,
  }) as tf.TensorInfo;
  b.disposeData(col.dataId);
  return { dataId: out.dataId, shape, dtype: "float32" as const };
}

export function makeKernels(mode: KernelMode) {
  const conv2DBackpropFilter = (args: KernelArgs): tf.TensorInfo => {
    const x = input(args, "x");
    const dy = input(args, "dy");
    const { dataFormat, filterShape } = args.attrs;
    if (dataFormat === "NCHW") throw new Error("edgeq Conv2DBackpropFilter: only NHWC is supported");
    const { info, g } = convInfo(args, x.shape, filterShape, 1, false);
    const b = args.backend;
    const colFloats = g.fH * g.fW * g.inC * g.batch * g.outH * g.outW;
    // The im2col buffer costs memory; past 32M floats the JS outer-product kernel is used.
    if (mode === "fast" && colFloats <= gradKernelOptions.matmulMaxFloats)
      return conv2DFilterByMatmul(b, g, x, dy, info.filterShape);
    const out = b.makeOutput(info.filterShape, "float32");
    const f = mode === "fast" ? fastConv2DBackpropFilter : naiveConv2DBackpropFilter;
    f(g, heap(b, x), heap(b, dy), heap(b, out));
    return out;
  };
  const depthwiseBackpropInput = (args: KernelArgs): tf.TensorInfo => {
    const dy = input(args, "dy");
    const filter = input(args, "filter");
    const { dilations, inputShape } = args.attrs;
    const { info, g } = convInfo(args, inputShape, filter.shape, dilations, true);
    const b = args.backend;
    const asConv =
      mode === "fast" && gradKernelOptions.depthwiseInputViaConv ? depthwiseInputAsConv(g) : undefined;
    if (asConv) return depthwiseInputByConv(b, g, dy, filter, asConv, info.inShape);
    const out = b.makeOutput(info.inShape, "float32");
    const f = mode === "fast" ? fastDepthwiseBackpropInput : naiveDepthwiseBackpropInput;
    f(g, heap(b, dy), heap(b, filter), heap(b, out));
    return out;
  };
  const depthwiseBackpropFilter = (args: KernelArgs): tf.TensorInfo => {
    const x = input(args, "x");
    const dy = input(args, "dy");
    const { dilations, filterShape } = args.attrs;
    const { info, g } = convInfo(args, x.shape, filterShape, dilations, true);
    const b = args.backend;
    const out = b.makeOutput(info.filterShape, "float32");
    const f = mode === "naive" ? naiveDepthwiseBackpropFilter : fastDepthwiseBackpropFilter;
    f(g, heap(b, x), heap(b, dy), heap(b, out));
    return out;
  };
  return {
    Conv2DBackpropFilter: conv2DBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  };
}

/** Depthwise input gradient through wasm's own depthwise convolution (see depthwiseInputAsConv). */
function depthwiseInputByConv(
  b: BackendWasm,
  g: ConvGeom,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  p: NonNullable<ReturnType<typeof depthwiseInputAsConv>>,
  inShape: number[],
): tf.TensorInfo {
  const conv = wasmKernel("DepthwiseConv2dNative");
  const strided = g.strideH > 1 || g.strideW > 1;
  const [hd, wd] = strideDilatedSize(g);
  const src = strided ? b.makeOutput([g.batch, hd, wd, g.outC], "float32") : dy;
  const rot = b.makeOutput([g.fH, g.fW, g.inC, 1], "float32");
  if (strided) dilateByStride(g, heap(b, dy), heap(b, src));
  rotate180(heap(b, filter), g.fH, g.fW, g.inC, heap(b, rot));
  const out = conv.kernelFunc({
    inputs: { x: src, filter: rot },
    attrs: {
      strides: [1, 1],
      pad: [
        [0, 0],
        [p.top, p.bottom],
        [p.left, p.right],
        [0, 0],
      ],
      dilations: [p.dilH, p.dilW],
      dataFormat: "NHWC",
    },
    backend: b,
  }) as tf.TensorInfo;
  if (strided) b.disposeData(src.dataId);
  b.disposeData(rot.dataId);
  return { dataId: out.dataId, shape: inShape, dtype: "float32" };
}

/** Conv2D input gradient as one wasm matmul plus col2im: col[rows, K] = dy[rows, outC] x W[K, outC]^T. */
export function conv2DBackpropInputFast(args: KernelArgs): tf.TensorInfo {
  const dy = input(args, "dy");
  const filter = input(args, "filter");
  const { dataFormat, inputShape } = args.attrs;
  if (dataFormat === "NCHW") throw new Error("edgeq Conv2DBackpropInput: only NHWC is supported");
  const { info, g } = convInfo(args, inputShape, filter.shape, 1, false);
  const b = args.backend;
  const k = g.fH * g.fW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  const matmul = wasmKernel("BatchMatMul");
  // W^T [outC, K] (small); wasm's matmul is fast only without transposes.
  const wt = b.makeOutput([1, g.outC, k], "float32");
  const w = heap(b, filter);
  const t = heap(b, wt);
  for (let i = 0; i < k; i++) for (let o = 0; o < g.outC; o++) t[o * k + i] = w[i * g.outC + o]!;
  const col = matmul.kernelFunc({
    inputs: { a: { dataId: dy.dataId, shape: [1, rows, g.outC], dtype: "float32" }, b: wt },
    attrs: { transposeA: false, transposeB: false },
    backend: b,
  }) as tf.TensorInfo;
  b.disposeData(wt.dataId);
  if (isPointwise(g)) return { dataId: col.dataId, shape: info.inShape, dtype: "float32" };
  const out = b.makeOutput(info.inShape, "float32");
  col2imAdd(g, heap(b, col), heap(b, out));
  b.disposeData(col.dataId);
  return out;
}

/**
 * Identity by reference (refcount +1), as the cpu backend does; the stock wasm Identity
 * allocates and copies, and training calls it ~200 times a step (clones, saved tensors).
 * Safe because no wasm kernel writes into its inputs.
 */
export function identityShared(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x;
  if (!x) throw new Error("edgeq Identity: missing input x");
  if (x.dtype === "string") throw new Error("edgeq Identity: string tensors are not supported");
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Tile by block copies on the wasm heap (the stock wasm Tile is element by element). */
export function tileFast(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x;
  if (!x) throw new Error("edgeq Tile: missing input x");
  const reps = args.attrs.reps as number[];
  const b = args.backend;
  if (x.dtype === "string") throw new Error("edgeq Tile: string tensors are not supported");
  const out = b.makeOutput(
    x.shape.map((s, i) => s * (reps[i] ?? 1)),
    x.dtype,
  );
  const typed = (t: tf.TensorInfo) => b.typedArrayFromHeap(t) as Float32Array | Int32Array | Uint8Array;
  tileInto(typed(x), x.shape, reps, typed(out));
  return out;
}

/** Tuning: largest im2col buffer (floats) for the matmul route of Conv2DBackpropFilter. */
export const gradKernelOptions = {
  matmulMaxFloats: 1 << 25,
  depthwiseInputViaConv: true,
};
