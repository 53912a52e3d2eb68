/** Internal model structures of the runtime (plain objects, ES5-friendly). */

/** Typed-array view of a tensor's data. */
export type View = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

export interface RtTensor {
  name: string;
  /** Dimensions, e.g. [1, 96, 96, 1]. */
  shape: number[];
  /** TFLite TensorType: 0 float32, 2 int32, 3 uint8, 4 int64, 7 int16, 9 int8. */
  type: number;
  /** Quantization: one scale / zero point per channel (empty when not quantized). */
  scale: number[];
  zeroPoint: number[];
  /** quantized_dimension. */
  axis: number;
  /** Element count. */
  size: number;
  /** Constant data (bytes inside the model), or undefined for activations. */
  data?: Uint8Array;
  /** Data view: over the model bytes for constants, over the arena for activations. */
  d?: View;
  /** Byte offset in the arena (-1 for constants). */
  offset: number;
  /** Internal copies of shape, size, scale[0] and zeroPoint[0] (0 when absent; shorter once minified). */
  dims: number[];
  /** Rank. */
  rk: number;
  /** Type. */
  ty: number;
  nel: number;
  /** Bytes per element. */
  es: number;
  sq: number;
  zq: number;
}

export interface RtOp {
  /** Operator name, e.g. "CONV_2D" (set at load). */
  type?: string;
  /** Builtin operator code (max of deprecated_builtin_code and builtin_code). */
  bc: number;
  inputs: number[];
  outputs: number[];
  /** Internal copies of inputs and outputs. */
  ins: number[];
  outs: number[];
  /** Position of the builtin options table in the model bytes (0 when absent). */
  opt: number;
  /** In-place DEPTHWISE_CONV_2D: an arena plane of OH*OW bytes for one output channel. */
  tmp?: Int8Array;
}

/** A prepared op: eval runs integer-only over pre-bound views. */
export type Eval = () => void;

/**
 * An op's prepare: (context, op, its input tensors (undefined for an absent optional one), its
 * output Y, and for brevity its first input X and the views x = X.d, y = Y.d) -> Eval.
 */
export type Prep = (
  c: import("./util.js").Ctx,
  op: RtOp,
  t: RtTensor[],
  Y: RtTensor,
  X: RtTensor,
  x: View,
  y: View,
) => Eval;
