/**
 * The subset of TFLite's schema.fbs (schema version 3) that edgeq reads and writes, as plain
 * constants. Field ids are the ids of TFLite's schema.fbs (a field's vtable slot is
 * 4 + 2 * id); enum values are TFLite's. schema.fbs in this folder is the same subset in
 * FlatBuffers IDL, for reference and for `flatc`.
 */
import type { Activation, DType, OpType, Padding } from "../ir/types.js";

export const SCHEMA_VERSION = 3;
export const FILE_IDENTIFIER = "TFL3";

/** table Model */
export const MODEL = {
  version: 0,
  operator_codes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadata_buffer: 5,
  metadata: 6,
  signature_defs: 7,
} as const;

/** table OperatorCode */
export const OPERATOR_CODE = {
  deprecated_builtin_code: 0,
  custom_code: 1,
  version: 2,
  builtin_code: 3,
} as const;

/** table SubGraph */
export const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;

/** table Tensor */
export const TENSOR = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  is_variable: 5,
  sparsity: 6,
  shape_signature: 7,
} as const;

/** table QuantizationParameters */
export const QUANT = {
  min: 0,
  max: 1,
  scale: 2,
  zero_point: 3,
  details_type: 4,
  details: 5,
  quantized_dimension: 6,
} as const;

/** table Operator */
export const OPERATOR = {
  opcode_index: 0,
  inputs: 1,
  outputs: 2,
  builtin_options_type: 3,
  builtin_options: 4,
  custom_options: 5,
} as const;

/** table Buffer (data is [ubyte] (force_align: 16)) */
export const BUFFER = { data: 0, offset: 1, size: 2 } as const;

/** table Metadata */
export const METADATA = { name: 0, buffer: 1 } as const;

/** Option tables (field ids). */
export const CONV2D_OPTS = {
  padding: 0,
  stride_w: 1,
  stride_h: 2,
  fused_activation_function: 3,
  dilation_w_factor: 4,
  dilation_h_factor: 5,
} as const;
export const DWCONV2D_OPTS = {
  padding: 0,
  stride_w: 1,
  stride_h: 2,
  depth_multiplier: 3,
  fused_activation_function: 4,
  dilation_w_factor: 5,
  dilation_h_factor: 6,
} as const;
export const POOL2D_OPTS = {
  padding: 0,
  stride_w: 1,
  stride_h: 2,
  filter_width: 3,
  filter_height: 4,
  fused_activation_function: 5,
} as const;
export const FC_OPTS = { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2 } as const;
export const SOFTMAX_OPTS = { beta: 0 } as const;
export const CONCAT_OPTS = { axis: 0, fused_activation_function: 1 } as const;
/** AddOptions, SubOptions and MulOptions (MulOptions has no pot_scale_int16) */
export const ELEMENTWISE_OPTS = { fused_activation_function: 0, pot_scale_int16: 1 } as const;
export const RESHAPE_OPTS = { new_shape: 0 } as const;
export const REDUCER_OPTS = { keep_dims: 0 } as const;
export const SQUEEZE_OPTS = { squeeze_dims: 0 } as const;
export const STRIDED_SLICE_OPTS = {
  begin_mask: 0,
  end_mask: 1,
  ellipsis_mask: 2,
  new_axis_mask: 3,
  shrink_axis_mask: 4,
  offset: 5,
} as const;
export const SPLIT_OPTS = { num_splits: 0 } as const;
export const SHAPE_OPTS = { out_type: 0 } as const;
export const PACK_OPTS = { values_count: 0, axis: 1 } as const;
export const UNPACK_OPTS = { num: 0, axis: 1 } as const;
export const RESIZE_NN_OPTS = { align_corners: 0, half_pixel_centers: 1 } as const;
export const LEAKY_RELU_OPTS = { alpha: 0 } as const;

/** enum TensorType */
export const TENSOR_TYPE: Record<DType, number> = {
  float32: 0,
  int32: 2,
  uint8: 3,
  int64: 4,
  bool: 6,
  int16: 7,
  int8: 9,
};
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  int32: 4,
  uint8: 1,
  int64: 8,
  bool: 1,
  int16: 2,
  int8: 1,
};

/**
 * enum BuiltinOperator codes of the ops edgeq's IR holds (TFLite's values; a test checks them
 * against the whole table flatc generates from schema.fbs).
 */
export const BUILTIN_CODE: Record<OpType, number> = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  QUANTIZE: 114,
  LOGISTIC: 14,
  TANH: 28,
  TRANSPOSE: 39,
  SUB: 41,
  SQUEEZE: 43,
  STRIDED_SLICE: 45,
  SPLIT: 49,
  PRELU: 54,
  MAXIMUM: 55,
  MINIMUM: 57,
  PADV2: 60,
  EXPAND_DIMS: 70,
  SHAPE: 77,
  PACK: 83,
  UNPACK: 88,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  HARD_SWISH: 117,
};

/** Deprecated_builtin_code holds at most this; larger codes are stored in builtin_code only. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** union BuiltinOptions (the members edgeq uses). */
export const BUILTIN_OPTIONS = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  SqueezeOptions: 30,
  StridedSliceOptions: 32,
  SplitOptions: 35,
  DequantizeOptions: 38,
  MaximumMinimumOptions: 39,
  PadV2Options: 43,
  ExpandDimsOptions: 52,
  ShapeOptions: 55,
  PackOptions: 59,
  UnpackOptions: 64,
  ResizeNearestNeighborOptions: 74,
  LeakyReluOptions: 75,
  QuantizeOptions: 89,
  HardSwishOptions: 91,
} as const;

/** enum Padding */
export const PADDING: Record<Padding, number> = { SAME: 0, VALID: 1 };

/** enum ActivationFunctionType (RELU_N1_TO_1 = 2, TANH = 4, SIGN_BIT = 5 are not supported). */
export const ACTIVATION: Record<Activation, number> = { NONE: 0, RELU: 1, RELU6: 3 };
