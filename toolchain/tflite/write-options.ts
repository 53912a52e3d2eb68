/**
 * Pieces of the TFLite writer: deduplicated scalar vectors, builtin options tables and op
 * versions. write.ts assembles the model from them.
 */
import type { Builder } from "flatbuffers";
import { EdgeqError } from "../errors.js";
import type { Activation, Graph, Op, Padding } from "../ir/types.js";
import {
  ACTIVATION,
  BUILTIN_OPTIONS,
  CONCAT_OPTS,
  CONV2D_OPTS,
  DWCONV2D_OPTS,
  ELEMENTWISE_OPTS,
  FC_OPTS,
  LEAKY_RELU_OPTS,
  PACK_OPTS,
  PADDING,
  POOL2D_OPTS,
  REDUCER_OPTS,
  RESHAPE_OPTS,
  RESIZE_NN_OPTS,
  SHAPE_OPTS,
  SOFTMAX_OPTS,
  SPLIT_OPTS,
  SQUEEZE_OPTS,
  STRIDED_SLICE_OPTS,
  TENSOR_TYPE,
  UNPACK_OPTS,
} from "./schema.js";

export type Offset = number;

/**
 * Scalar vectors, deduplicated: FlatBuffers lets many tables point at one vector, so equal
 * shapes, zero-point and scale lists are written once (it keeps small models small).
 */
export class Vectors {
  private readonly cache = new Map<string, Offset>();
  constructor(private readonly b: Builder) {}

  private get(kind: string, xs: ArrayLike<number>, write: () => Offset): Offset {
    const key = `${kind}:${Array.prototype.join.call(xs, ",")}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = write();
      this.cache.set(key, v);
    }
    return v;
  }

  int32(xs: ArrayLike<number>): Offset {
    return this.get("i32", xs, () => {
      this.b.startVector(4, xs.length, 4);
      for (let i = xs.length - 1; i >= 0; i--) this.b.addInt32(xs[i]!);
      return this.b.endVector();
    });
  }

  float32(xs: ArrayLike<number>): Offset {
    const f = Float32Array.from(xs);
    return this.get("f32", f, () => {
      this.b.startVector(4, f.length, 4);
      for (let i = f.length - 1; i >= 0; i--) this.b.addFloat32(f[i]!);
      return this.b.endVector();
    });
  }

  int64(xs: ArrayLike<number>): Offset {
    return this.get("i64", xs, () => {
      this.b.startVector(8, xs.length, 8);
      for (let i = xs.length - 1; i >= 0; i--) this.b.addInt64(BigInt(Math.trunc(xs[i]!)));
      return this.b.endVector();
    });
  }
}

/** The operator version TensorFlow's converter would give this op (TFLite checks it is registered). */
export function opVersion(g: Graph, op: Op): number {
  const t = g.tensors[op.inputs[0] ?? -1];
  const int8 = t?.dtype === "int8" || g.tensors[op.outputs[0] ?? -1]?.dtype === "int8";
  switch (op.type) {
    case "CONV_2D":
      return int8 ? 3 : op.options.dilationH !== 1 || op.options.dilationW !== 1 ? 2 : 1;
    case "DEPTHWISE_CONV_2D":
      return int8 ? 3 : op.options.dilationH !== 1 || op.options.dilationW !== 1 ? 2 : 1;
    case "FULLY_CONNECTED":
      return op.options.keepNumDims ? 5 : int8 ? 4 : 1;
    case "RESHAPE":
      return 1;
    case "QUANTIZE":
      // float -> int8 is version 1 (as TensorFlow's converter writes it); requantize is 2
      return t?.dtype === "float32" ? 1 : 2;
    // the new ops follow TFLite's tools/versioning/op_version.cc for the types edgeq writes
    case "SHAPE":
    case "EXPAND_DIMS":
    case "SQUEEZE":
    case "HARD_SWISH":
    case "PRELU":
    case "LEAKY_RELU":
      return 1;
    case "STRIDED_SLICE": {
      const o = op.options;
      if (o.offset) return 8;
      if (o.ellipsisMask !== 0 || o.newAxisMask !== 0) return 6;
      if ((t?.shape.length ?? 0) > 4) return 4;
      return t?.dtype === "int8" ? 2 : 1;
    }
    case "TRANSPOSE": {
      const r = t?.shape.length ?? 0;
      if (r > 5) return 6;
      if (r > 4) return 4;
      return t?.dtype === "int8" ? 2 : 1;
    }
    case "PADV2":
      if ((t?.shape.length ?? 0) > 4) return 4;
      return t?.dtype === "int8" ? 2 : 1;
    case "SPLIT": {
      // input 0 is the axis; the data is input 1
      const d = g.tensors[op.inputs[1] ?? -1]?.dtype;
      return d === "int16" ? 4 : d === "int32" ? 3 : d === "int8" ? 2 : 1;
    }
    case "RESIZE_NEAREST_NEIGHBOR":
      if (op.options.alignCorners || op.options.halfPixelCenters) return 3;
      return t?.dtype === "int8" ? 2 : 1;
    case "SUB":
    case "MAXIMUM":
    case "MINIMUM": {
      const b = g.tensors[op.inputs[1] ?? -1];
      const broadcast = !!b && b.shape.join(",") !== t?.shape.join(",");
      if (broadcast && Math.max(t?.shape.length ?? 0, b.shape.length) > 4) return 3;
      return t?.dtype === "int8" ? 2 : 1;
    }
    default:
      return int8 ? 2 : 1;
  }
}

export function fail(what: string, where: string): never {
  throw new EdgeqError("tflite/write", what, where);
}

function activation(a: Activation, where: string): number {
  const v = ACTIVATION[a];
  if (v === undefined) fail(`unsupported fused activation '${a}' (use NONE, RELU or RELU6)`, where);
  return v;
}

function padding(p: Padding, where: string): number {
  const v = PADDING[p];
  if (v === undefined) fail(`unsupported padding '${p}' (use SAME or VALID)`, where);
  return v;
}

const INT_OPTIONS = [
  "strideH",
  "strideW",
  "dilationH",
  "dilationW",
  "depthMultiplier",
  "filterH",
  "filterW",
  "axis",
  "beginMask",
  "endMask",
  "ellipsisMask",
  "newAxisMask",
  "shrinkAxisMask",
  "valuesCount",
  "num",
  "numSplits",
];
const isInt32 = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;

/** Numeric options must be int32 (beta: a finite number), or the file would silently hold 0. */
function checkOptions(op: Op, where: string): void {
  const o = op.options as Record<string, unknown>;
  for (const k of INT_OPTIONS) {
    if (k in o && !isInt32(o[k])) fail(`option ${k} = ${String(o[k])} is not an int32`, where);
  }
  for (const k of ["beta", "alpha"]) {
    if (k in o && !Number.isFinite(o[k])) fail(`option ${k} = ${String(o[k])} is not a finite number`, where);
  }
  for (const k of ["newShape", "squeezeDims"]) {
    const v = o[k];
    if (v !== undefined && !(Array.isArray(v) && v.every(isInt32))) {
      fail(`option ${k} must be an array of int32, got ${JSON.stringify(v)}`, where);
    }
  }
}

/** Writes the op's builtin options table; returns [union type, offset] (0, 0 when none). */
export function writeOptions(b: Builder, vec: Vectors, op: Op, where: string): [number, Offset] {
  checkOptions(op, where);
  switch (op.type) {
    case "CONV_2D": {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(CONV2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(CONV2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(CONV2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt8(CONV2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt32(CONV2D_OPTS.dilation_w_factor, o.dilationW, 1);
      b.addFieldInt32(CONV2D_OPTS.dilation_h_factor, o.dilationH, 1);
      return [BUILTIN_OPTIONS.Conv2DOptions, b.endObject()];
    }
    case "DEPTHWISE_CONV_2D": {
      const o = op.options;
      b.startObject(7);
      b.addFieldInt8(DWCONV2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(DWCONV2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(DWCONV2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt32(DWCONV2D_OPTS.depth_multiplier, o.depthMultiplier, 0);
      b.addFieldInt8(DWCONV2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt32(DWCONV2D_OPTS.dilation_w_factor, o.dilationW, 1);
      b.addFieldInt32(DWCONV2D_OPTS.dilation_h_factor, o.dilationH, 1);
      return [BUILTIN_OPTIONS.DepthwiseConv2DOptions, b.endObject()];
    }
    case "FULLY_CONNECTED": {
      const o = op.options;
      b.startObject(3);
      b.addFieldInt8(FC_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt8(FC_OPTS.keep_num_dims, o.keepNumDims ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.FullyConnectedOptions, b.endObject()];
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D": {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(POOL2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(POOL2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(POOL2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt32(POOL2D_OPTS.filter_width, o.filterW, 0);
      b.addFieldInt32(POOL2D_OPTS.filter_height, o.filterH, 0);
      b.addFieldInt8(POOL2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      return [BUILTIN_OPTIONS.Pool2DOptions, b.endObject()];
    }
    case "MEAN": {
      b.startObject(1);
      b.addFieldInt8(REDUCER_OPTS.keep_dims, op.options.keepDims ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.ReducerOptions, b.endObject()];
    }
    case "ADD":
    case "SUB":
    case "MUL": {
      const pot = op.type !== "MUL" && op.options.potScaleInt16 === false;
      b.startObject(pot ? 2 : 1);
      b.addFieldInt8(ELEMENTWISE_OPTS.fused_activation_function, activation(op.options.activation, where), 0);
      if (pot) b.addFieldInt8(ELEMENTWISE_OPTS.pot_scale_int16, 0, 1);
      const type = {
        ADD: BUILTIN_OPTIONS.AddOptions,
        SUB: BUILTIN_OPTIONS.SubOptions,
        MUL: BUILTIN_OPTIONS.MulOptions,
      };
      return [type[op.type], b.endObject()];
    }
    case "SHAPE": {
      const code = TENSOR_TYPE[op.options.outType];
      if (code === undefined) fail(`SHAPE outType '${op.options.outType}' is not a tensor type`, where);
      b.startObject(1);
      // stored even at the schema default (FLOAT32 = 0 would be an invalid SHAPE), as the converter does
      b.addFieldInt8(SHAPE_OPTS.out_type, code, -1);
      return [BUILTIN_OPTIONS.ShapeOptions, b.endObject()];
    }
    case "STRIDED_SLICE": {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt32(STRIDED_SLICE_OPTS.begin_mask, o.beginMask, 0);
      b.addFieldInt32(STRIDED_SLICE_OPTS.end_mask, o.endMask, 0);
      b.addFieldInt32(STRIDED_SLICE_OPTS.ellipsis_mask, o.ellipsisMask, 0);
      b.addFieldInt32(STRIDED_SLICE_OPTS.new_axis_mask, o.newAxisMask, 0);
      b.addFieldInt32(STRIDED_SLICE_OPTS.shrink_axis_mask, o.shrinkAxisMask, 0);
      b.addFieldInt8(STRIDED_SLICE_OPTS.offset, o.offset ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.StridedSliceOptions, b.endObject()];
    }
    case "PACK": {
      b.startObject(2);
      b.addFieldInt32(PACK_OPTS.values_count, op.options.valuesCount, 0);
      b.addFieldInt32(PACK_OPTS.axis, op.options.axis, 0);
      return [BUILTIN_OPTIONS.PackOptions, b.endObject()];
    }
    case "UNPACK": {
      b.startObject(2);
      b.addFieldInt32(UNPACK_OPTS.num, op.options.num, 0);
      b.addFieldInt32(UNPACK_OPTS.axis, op.options.axis, 0);
      return [BUILTIN_OPTIONS.UnpackOptions, b.endObject()];
    }
    case "SPLIT": {
      b.startObject(1);
      b.addFieldInt32(SPLIT_OPTS.num_splits, op.options.numSplits, 0);
      return [BUILTIN_OPTIONS.SplitOptions, b.endObject()];
    }
    case "SQUEEZE": {
      const dims = op.options.squeezeDims;
      const v = dims.length ? vec.int32(dims) : 0;
      b.startObject(1);
      if (v) b.addFieldOffset(SQUEEZE_OPTS.squeeze_dims, v, 0);
      return [BUILTIN_OPTIONS.SqueezeOptions, b.endObject()];
    }
    case "RESIZE_NEAREST_NEIGHBOR": {
      b.startObject(2);
      b.addFieldInt8(RESIZE_NN_OPTS.align_corners, op.options.alignCorners ? 1 : 0, 0);
      b.addFieldInt8(RESIZE_NN_OPTS.half_pixel_centers, op.options.halfPixelCenters ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.ResizeNearestNeighborOptions, b.endObject()];
    }
    case "LEAKY_RELU": {
      b.startObject(1);
      b.addFieldFloat32(LEAKY_RELU_OPTS.alpha, op.options.alpha, 0);
      return [BUILTIN_OPTIONS.LeakyReluOptions, b.endObject()];
    }
    case "RESHAPE": {
      const ns = op.options.newShape;
      if (!ns) return [0, 0];
      const v = vec.int32(ns);
      b.startObject(1);
      b.addFieldOffset(RESHAPE_OPTS.new_shape, v, 0);
      return [BUILTIN_OPTIONS.ReshapeOptions, b.endObject()];
    }
    case "SOFTMAX": {
      b.startObject(1);
      b.addFieldFloat32(SOFTMAX_OPTS.beta, op.options.beta, 0);
      return [BUILTIN_OPTIONS.SoftmaxOptions, b.endObject()];
    }
    case "CONCATENATION": {
      b.startObject(2);
      b.addFieldInt32(CONCAT_OPTS.axis, op.options.axis, 0);
      b.addFieldInt8(CONCAT_OPTS.fused_activation_function, activation(op.options.activation, where), 0);
      return [BUILTIN_OPTIONS.ConcatenationOptions, b.endObject()];
    }
    case "PAD":
    case "QUANTIZE":
    case "DEQUANTIZE":
    case "RELU":
    case "RELU6":
    case "EXPAND_DIMS":
    case "TRANSPOSE":
    case "PADV2":
    case "HARD_SWISH":
    case "LOGISTIC":
    case "TANH":
    case "PRELU":
    case "MAXIMUM":
    case "MINIMUM":
      return [0, 0];
    default: {
      const t = (op as { type: string }).type;
      return fail(`unsupported op '${t}'`, where);
    }
  }
}
