/**
 * The one graph IR of edgeq. Every stage reads and writes this: training/import produce a
 * float Graph, rewrites fold and fuse it, quantization turns it into an int8 Graph, the
 * TFLite writer serialises it and the reader parses a .tflite back into it.
 *
 * It mirrors TFLite's model on purpose (one subgraph, tensors referenced by index, ops
 * with builtin options), so that read -> write round trips are lossless.
 *
 * Layouts (TFLite's):
 *   activations           NHWC
 *   CONV_2D weights       [outC, kH, kW, inC]            per-channel quant on axis 0
 *   DEPTHWISE_CONV_2D w.  [1, kH, kW, inC * multiplier]  per-channel quant on axis 3
 *   FULLY_CONNECTED w.    [outC, inC]                    per-tensor (per-channel on axis 0 optional)
 *   bias                  [outC], float32 or int32 (scale = inputScale * weightScale[c], zp 0)
 * An optional input (e.g. no bias) is the index -1, as in TFLite.
 * BatchNorm is imported as MUL + ADD with constant per-channel operands and folded away.
 */

export type DType = "float32" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool";

export type TensorData = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

export interface QuantParams {
  /** One scale per channel (length 1 for per-tensor). */
  scale: number[];
  /** One zero point per channel, same length as scale. */
  zeroPoint: number[];
  /** The axis the per-channel parameters run along (TFLite's quantized_dimension); 0 when per-tensor. */
  axis: number;
  /** Calibrated float range, kept for reporting (optional, as in TFLite). */
  min?: number[];
  max?: number[];
}

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  /** Constant contents (weights, biases, shape/axis operands); undefined for activations. */
  data?: TensorData;
  quant?: QuantParams;
}

export type Activation = "NONE" | "RELU" | "RELU6";
export type Padding = "SAME" | "VALID";

export interface Conv2DOptions {
  padding: Padding;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  activation: Activation;
}

export interface DepthwiseConv2DOptions extends Conv2DOptions {
  depthMultiplier: number;
}

export interface FullyConnectedOptions {
  activation: Activation;
  keepNumDims: boolean;
}

export interface Pool2DOptions {
  padding: Padding;
  strideH: number;
  strideW: number;
  filterH: number;
  filterW: number;
  activation: Activation;
}

/** MEAN: input 0 the data, input 1 a constant int32 tensor of axes. */
export interface MeanOptions {
  keepDims: boolean;
}

/** ADD, MUL (SUB: SubOptions). */
export interface ElementwiseOptions {
  activation: Activation;
  /** ADD: TFLite's pot_scale_int16 (int16 only); present only when a file stores false. */
  potScaleInt16?: boolean;
}

/** RESHAPE: the target shape is input 1 (int32 constant) and/or newShape. */
export interface ReshapeOptions {
  newShape?: number[];
}

export interface SoftmaxOptions {
  beta: number;
}

export interface ConcatenationOptions {
  axis: number;
  activation: Activation;
}

/**
 * STRIDED_SLICE: inputs input, begin, end, strides (int32 constants, one entry per input
 * axis). Masks are bit sets over the axes, as in TFLite (TensorFlow's tf.strided_slice).
 */
export interface StridedSliceOptions {
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
  /** End is an offset from begin (end = begin + end). */
  offset: boolean;
}

/** PACK: valuesCount inputs of one shape stacked along a new axis. */
export interface PackOptions {
  valuesCount: number;
  axis: number;
}

/** UNPACK: num outputs, the input cut along axis (which disappears). */
export interface UnpackOptions {
  num: number;
  axis: number;
}

/** SPLIT: input 0 the axis (int32 constant scalar), input 1 the data; numSplits equal outputs. */
export interface SplitOptions {
  numSplits: number;
}

/** SQUEEZE: the size-1 axes to drop (empty: every size-1 axis). */
export interface SqueezeOptions {
  squeezeDims: number[];
}

/** RESIZE_NEAREST_NEIGHBOR: input 1 the output [height, width] (int32 constant). */
export interface ResizeNearestNeighborOptions {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** LEAKY_RELU: f(x) = x >= 0 ? x : alpha * x (alpha stored as float32). */
export interface LeakyReluOptions {
  alpha: number;
}

/** SHAPE: the output's element type (int32 or int64). */
export interface ShapeOptions {
  outType: DType;
}

/** SUB: the same options as ADD. */
export type SubOptions = ElementwiseOptions;

// biome-ignore lint/complexity/noBannedTypes: ops without options carry an empty object
export type NoOptions = {};

interface OpOf<T extends string, O> {
  type: T;
  /** Tensor indices; -1 marks an absent optional input. */
  inputs: number[];
  outputs: number[];
  options: O;
}

export type Op =
  | OpOf<"CONV_2D", Conv2DOptions>
  | OpOf<"DEPTHWISE_CONV_2D", DepthwiseConv2DOptions>
  | OpOf<"FULLY_CONNECTED", FullyConnectedOptions>
  | OpOf<"AVERAGE_POOL_2D", Pool2DOptions>
  | OpOf<"MAX_POOL_2D", Pool2DOptions>
  | OpOf<"MEAN", MeanOptions>
  | OpOf<"ADD", ElementwiseOptions>
  | OpOf<"MUL", ElementwiseOptions>
  | OpOf<"RESHAPE", ReshapeOptions>
  | OpOf<"SOFTMAX", SoftmaxOptions>
  | OpOf<"PAD", NoOptions>
  | OpOf<"CONCATENATION", ConcatenationOptions>
  | OpOf<"QUANTIZE", NoOptions>
  | OpOf<"DEQUANTIZE", NoOptions>
  | OpOf<"RELU", NoOptions>
  | OpOf<"RELU6", NoOptions>
  | OpOf<"SHAPE", ShapeOptions>
  | OpOf<"STRIDED_SLICE", StridedSliceOptions>
  | OpOf<"PACK", PackOptions>
  | OpOf<"UNPACK", UnpackOptions>
  | OpOf<"SPLIT", SplitOptions>
  | OpOf<"SQUEEZE", SqueezeOptions>
  | OpOf<"EXPAND_DIMS", NoOptions>
  | OpOf<"TRANSPOSE", NoOptions>
  | OpOf<"PADV2", NoOptions>
  | OpOf<"RESIZE_NEAREST_NEIGHBOR", ResizeNearestNeighborOptions>
  | OpOf<"HARD_SWISH", NoOptions>
  | OpOf<"LOGISTIC", NoOptions>
  | OpOf<"TANH", NoOptions>
  | OpOf<"SUB", SubOptions>
  | OpOf<"LEAKY_RELU", LeakyReluOptions>
  | OpOf<"PRELU", NoOptions>
  | OpOf<"MAXIMUM", NoOptions>
  | OpOf<"MINIMUM", NoOptions>;

export type OpType = Op["type"];

/** The options type of a given op type, e.g. OptionsOf<"CONV_2D"> = Conv2DOptions. */
export type OptionsOf<T extends OpType> = Extract<Op, { type: T }>["options"];

export const OP_TYPES: readonly OpType[] = [
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "FULLY_CONNECTED",
  "AVERAGE_POOL_2D",
  "MAX_POOL_2D",
  "MEAN",
  "ADD",
  "MUL",
  "RESHAPE",
  "SOFTMAX",
  "PAD",
  "CONCATENATION",
  "QUANTIZE",
  "DEQUANTIZE",
  "RELU",
  "RELU6",
  "SHAPE",
  "STRIDED_SLICE",
  "PACK",
  "UNPACK",
  "SPLIT",
  "SQUEEZE",
  "EXPAND_DIMS",
  "TRANSPOSE",
  "PADV2",
  "RESIZE_NEAREST_NEIGHBOR",
  "HARD_SWISH",
  "LOGISTIC",
  "TANH",
  "SUB",
  "LEAKY_RELU",
  "PRELU",
  "MAXIMUM",
  "MINIMUM",
];

export interface MetadataEntry {
  name: string;
  data: Uint8Array;
}

export interface Graph {
  tensors: Tensor[];
  ops: Op[];
  inputs: number[];
  outputs: number[];
  /** Stored as the model's description (the producer line). */
  description?: string;
  /** TFLite Model.metadata entries; see ir/metadata.ts for the ones edgeq writes. */
  metadata?: MetadataEntry[];
}
