/** The runtime's model structures and the kernel interface (plain objects, ES5-friendly). */

/** Typed-array view of a tensor's data. */
export type View = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

/** TFLite's TensorType values the runtime reads (a const enum: no bytes in the bundle). */
export enum TensorType {
  FLOAT32 = 0,
  INT32 = 2,
  UINT8 = 3,
  INT64 = 4,
  BOOL = 6,
  INT16 = 7,
  INT8 = 9,
}

/** TFLite's ActivationFunctionType (a fused activation). */
export enum Activation {
  NONE = 0,
  RELU = 1,
  RELU_N1_TO_1 = 2,
  RELU6 = 3,
}

export interface RtTensor {
  name: string;
  /** Dimensions, e.g. [1, 96, 96, 1]. */
  shape: number[];
  /** TFLite TensorType (see TensorType). */
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
  /** Byte offset in the arena (-1 for constants). */
  offset: number;
  /** The data as typed values: over the model bytes for constants, over the arena for activations. */
  view?: View;
  /** Bytes per element. */
  elementBytes: number;
  /** scale[0], or 0 when not quantized (the per-tensor scale; a per-channel tensor's first). */
  firstScale: number;
  /** zeroPoint[0], or 0. */
  firstZeroPoint: number;
}

export interface RtOp {
  /** Operator name, e.g. "CONV_2D" (set at load). */
  type?: string;
  /** Builtin operator code (max of deprecated_builtin_code and builtin_code). */
  code: number;
  inputs: number[];
  outputs: number[];
  /** Position of the builtin options table in the model bytes (0 when absent). */
  options: number;
  /** In-place op (see Kernel.inPlaceScratch): its scratch bytes in the arena. */
  scratch?: Int8Array;
}

/** A prepared op: runs integer-only over pre-bound views. */
export type Eval = () => void;

/** What the loader gives every kernel's prepare besides the op. */
export interface Context {
  /** Dot product of two equal-length views (Espruino's E.convolve, or a plain loop). */
  dot: (a: View, b: View) => number;
  /** Sum of a view (Espruino's E.sum, or a plain loop). */
  sum: (a: View) => number;
  /** The optional host kernels installed with use() (an add-on), or undefined. */
  fast?: Fast;
  /** Espruino's natives (E) when it has both used here: the kernels' Espruino path. */
  espruino?: EspruinoNatives;
}

/** Espruino's natives that the kernels' Espruino path runs on. */
export interface EspruinoNatives {
  /** E.convolve(a, b, offset) = sum over i < a.length of a[i] * b[(i + offset) % b.length]. */
  convolve: (a: Int8Array, b: Int8Array, offset: number) => number;
  /** E.mapInPlace(from, to, table): to[i] = table[from[i]] for the elements both hold. */
  mapInPlace: (from: Uint8ClampedArray, to: Int8Array, table: Int8Array) => void;
}

/**
 * A kernel (one per builtin op, src/kernels/<op>.ts), as TFLite Micro's registration: prepare does
 * all float work once (multipliers, shifts, ranges, folded offsets) and returns the integer-only eval.
 */
export interface Kernel {
  /** TFLite BuiltinOperator code. */
  code: number;
  /** TFLite's name of the op, e.g. "CONV_2D". */
  name: string;
  /**
   * Checks the op (throwing an Error whose message says what failed: see errors.ts check) and
   * returns its eval. inputs[j] is undefined for an absent optional input (index -1).
   */
  prepare(context: Context, op: RtOp, inputs: RtTensor[], outputs: RtTensor[]): Eval;
  /**
   * Which non-constant tensors may be other than int8 (default: none): true when the tensor at
   * input (isInput) or output position j may have its type.
   */
  accepts?: (tensor: RtTensor, isInput: boolean, j: number) => boolean;
  /** The output is the input's bytes, reinterpreted (RESHAPE): the planner gives both one buffer. */
  aliasesInput?: boolean;
  /**
   * May run in place (its output taking input 0's bytes once no later op reads them): the scratch
   * bytes it needs then in the arena, or -1 when this op cannot.
   */
  inPlaceScratch?: (input: RtTensor, output: RtTensor) => number;
  /**
   * Computes the outputs at load when they do not depend on the arena (static shapes, constant
   * inputs): sets each output's `view` and `data` and returns true; the op then takes no arena and
   * runs no eval. Returns false to run the op as usual.
   */
  fold?: (op: RtOp, inputs: RtTensor[], outputs: RtTensor[]) => boolean;
}

/** Requantization of an op's output: per-channel multipliers and shifts, activation range, output zero point. */
export interface Q {
  /** Q31 multipliers, one per output channel (or one). */
  m: Int32Array;
  /** Left shifts, max(shift, 0). */
  l: Int32Array;
  /** Right shifts, max(-shift, 0). */
  r: Int32Array;
  /** Activation range (int8). */
  lo: number;
  hi: number;
  /** Output zero point. */
  yz: number;
}

/** Geometry and quantization of a conv-like op (field names are read by the add-ons' kernels: keep them). */
export interface Geom extends Q {
  /** Batches, input height, input width, input channels. */
  N: number;
  H: number;
  IW: number;
  C: number;
  /** Filter height and width, output channels, output height and width. */
  KH: number;
  KW: number;
  OC: number;
  OH: number;
  OW: number;
  /** Strides, dilations, leading paddings (height, width). */
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  ph: number;
  pw: number;
  /** Bias per output channel. */
  b: Int32Array;
  /** Input offset (-input zero point; 0 for pools). */
  off: number;
  /** Weights offset (-zero point; FULLY_CONNECTED only, else 0). */
  wz: number;
  x: Int8Array;
  w: Int8Array;
  y: Int8Array;
}

/**
 * Optional host kernels (an add-on: src/addons/fast, src/addons/wasm): each returns the op's Eval,
 * or undefined to leave the op to the core's own loops. Same bytes either way.
 */
export interface Fast {
  /** Windowed CONV_2D. */
  conv(g: Geom): Eval | undefined;
  /** DEPTHWISE_CONV_2D (must be in-place safe: read all of g.x before writing g.y). */
  dw(g: Geom): Eval | undefined;
  /** FULLY_CONNECTED and 1x1 stride-1 CONV_2D: y[P,OC] = requant(sum over K of (x + off)(w + wz) + b), P = N*H*IW, K = C. */
  mm(g: Geom): Eval | undefined;
  /**
   * AVERAGE_POOL_2D (max false) and MAX_POOL_2D (max true), optional: g.w is x, g.OC = g.C,
   * g.dh = g.dw = 1, g.lo / g.hi the activation range (no requantization: g.m is empty).
   */
  pool?(g: Geom, max: boolean): Eval | undefined;
}
