/**
 * Builtin options of the ops edgeq reads (read.ts's helper). An op without an options table
 * gets the schema's defaults; an options table of the wrong union type is an error.
 */
import { EdgeqError } from "../errors.js";
import type { Activation, DType, Op, OpType, Padding } from "../ir/types.js";
import type { FbReader, Table } from "./fbverify.js";
import { tensorTypeName } from "./op-names.js";
import {
  ACTIVATION,
  BUILTIN_OPTIONS,
  CONCAT_OPTS,
  CONV2D_OPTS,
  DWCONV2D_OPTS,
  ELEMENTWISE_OPTS,
  FC_OPTS,
  LEAKY_RELU_OPTS,
  OPERATOR,
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

const PADDING_BY_CODE = new Map<number, Padding>(Object.entries(PADDING).map(([p, c]) => [c, p as Padding]));
const ACT_BY_CODE = new Map<number, Activation>(
  Object.entries(ACTIVATION).map(([a, c]) => [c, a as Activation]),
);
const ACT_NAMES = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"];

function padding(r: FbReader, o: Table): Padding {
  const v = o.i8(CONV2D_OPTS.padding, "padding", 0);
  const p = PADDING_BY_CODE.get(v);
  if (!p) r.fail("tflite/bad-value", `padding ${v} is not SAME (0) or VALID (1)`, `${o.path}.padding`, o.pos);
  return p;
}

function act(r: FbReader, o: Table, id: number): Activation {
  const v = o.i8(id, "fused_activation_function", 0);
  const a = ACT_BY_CODE.get(v);
  if (!a) {
    throw new EdgeqError(
      "tflite/unsupported-activation",
      `${r.source}: fused activation ${ACT_NAMES[v] ?? v} is not supported (NONE, RELU, RELU6 are)`,
      `${o.path}.fused_activation_function`,
    );
  }
  return a;
}

const EXPECTED_OPTIONS: Record<OpType, number> = {
  CONV_2D: BUILTIN_OPTIONS.Conv2DOptions,
  DEPTHWISE_CONV_2D: BUILTIN_OPTIONS.DepthwiseConv2DOptions,
  FULLY_CONNECTED: BUILTIN_OPTIONS.FullyConnectedOptions,
  AVERAGE_POOL_2D: BUILTIN_OPTIONS.Pool2DOptions,
  MAX_POOL_2D: BUILTIN_OPTIONS.Pool2DOptions,
  MEAN: BUILTIN_OPTIONS.ReducerOptions,
  ADD: BUILTIN_OPTIONS.AddOptions,
  MUL: BUILTIN_OPTIONS.MulOptions,
  RESHAPE: BUILTIN_OPTIONS.ReshapeOptions,
  SOFTMAX: BUILTIN_OPTIONS.SoftmaxOptions,
  PAD: BUILTIN_OPTIONS.PadOptions,
  CONCATENATION: BUILTIN_OPTIONS.ConcatenationOptions,
  QUANTIZE: BUILTIN_OPTIONS.QuantizeOptions,
  DEQUANTIZE: BUILTIN_OPTIONS.DequantizeOptions,
  RELU: BUILTIN_OPTIONS.NONE,
  RELU6: BUILTIN_OPTIONS.NONE,
  SHAPE: BUILTIN_OPTIONS.ShapeOptions,
  STRIDED_SLICE: BUILTIN_OPTIONS.StridedSliceOptions,
  PACK: BUILTIN_OPTIONS.PackOptions,
  UNPACK: BUILTIN_OPTIONS.UnpackOptions,
  SPLIT: BUILTIN_OPTIONS.SplitOptions,
  SQUEEZE: BUILTIN_OPTIONS.SqueezeOptions,
  EXPAND_DIMS: BUILTIN_OPTIONS.ExpandDimsOptions,
  TRANSPOSE: BUILTIN_OPTIONS.TransposeOptions,
  PADV2: BUILTIN_OPTIONS.PadV2Options,
  RESIZE_NEAREST_NEIGHBOR: BUILTIN_OPTIONS.ResizeNearestNeighborOptions,
  HARD_SWISH: BUILTIN_OPTIONS.HardSwishOptions,
  LOGISTIC: BUILTIN_OPTIONS.NONE,
  TANH: BUILTIN_OPTIONS.NONE,
  SUB: BUILTIN_OPTIONS.SubOptions,
  LEAKY_RELU: BUILTIN_OPTIONS.LeakyReluOptions,
  PRELU: BUILTIN_OPTIONS.NONE,
  MAXIMUM: BUILTIN_OPTIONS.MaximumMinimumOptions,
  MINIMUM: BUILTIN_OPTIONS.MaximumMinimumOptions,
};

const DTYPE_BY_CODE = new Map<number, DType>(Object.entries(TENSOR_TYPE).map(([d, c]) => [c, d as DType]));

/** Reads an op's options; an absent options table gives the schema's defaults. */
export function readOptions(r: FbReader, type: OpType, op: Table): Op["options"] {
  const optType = op.u8(OPERATOR.builtin_options_type, "builtin_options_type", 0);
  if (optType !== 0 && optType !== EXPECTED_OPTIONS[type]) {
    r.fail(
      "tflite/bad-options",
      `${type} carries options of union type ${optType}, expected ${EXPECTED_OPTIONS[type]}`,
      `${op.path}.builtin_options_type`,
      op.pos,
    );
  }
  const o = optType !== 0 ? op.subtable(OPERATOR.builtin_options, "builtin_options") : undefined;
  return optionsFrom(r, type, o);
}

function optionsFrom(r: FbReader, type: OpType, o: Table | undefined): Op["options"] {
  const i32 = (id: number, name: string, def: number) => (o ? o.i32(id, name, def) : def);
  const a = (id: number): Activation => (o ? act(r, o, id) : "NONE");
  const pad = (): Padding => (o ? padding(r, o) : "SAME");
  switch (type) {
    case "CONV_2D":
      return {
        padding: pad(),
        strideW: i32(CONV2D_OPTS.stride_w, "stride_w", 0),
        strideH: i32(CONV2D_OPTS.stride_h, "stride_h", 0),
        activation: a(CONV2D_OPTS.fused_activation_function),
        dilationW: i32(CONV2D_OPTS.dilation_w_factor, "dilation_w_factor", 1),
        dilationH: i32(CONV2D_OPTS.dilation_h_factor, "dilation_h_factor", 1),
      };
    case "DEPTHWISE_CONV_2D":
      return {
        padding: pad(),
        strideW: i32(DWCONV2D_OPTS.stride_w, "stride_w", 0),
        strideH: i32(DWCONV2D_OPTS.stride_h, "stride_h", 0),
        depthMultiplier: i32(DWCONV2D_OPTS.depth_multiplier, "depth_multiplier", 0),
        activation: a(DWCONV2D_OPTS.fused_activation_function),
        dilationW: i32(DWCONV2D_OPTS.dilation_w_factor, "dilation_w_factor", 1),
        dilationH: i32(DWCONV2D_OPTS.dilation_h_factor, "dilation_h_factor", 1),
      };
    case "FULLY_CONNECTED": {
      const wf = o ? o.i8(FC_OPTS.weights_format, "weights_format", 0) : 0;
      if (wf !== 0 && o) {
        throw new EdgeqError(
          "tflite/unsupported-options",
          `${r.source}: FULLY_CONNECTED weights_format ${wf} (shuffled) is not supported (DEFAULT = 0 is)`,
          `${o.path}.weights_format`,
        );
      }
      return {
        activation: a(FC_OPTS.fused_activation_function),
        keepNumDims: o ? o.bool(FC_OPTS.keep_num_dims, "keep_num_dims") : false,
      };
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      return {
        padding: pad(),
        strideW: i32(POOL2D_OPTS.stride_w, "stride_w", 0),
        strideH: i32(POOL2D_OPTS.stride_h, "stride_h", 0),
        filterW: i32(POOL2D_OPTS.filter_width, "filter_width", 0),
        filterH: i32(POOL2D_OPTS.filter_height, "filter_height", 0),
        activation: a(POOL2D_OPTS.fused_activation_function),
      };
    case "MEAN":
      return { keepDims: o ? o.bool(REDUCER_OPTS.keep_dims, "keep_dims") : false };
    case "ADD":
    case "SUB": {
      const activation = a(ELEMENTWISE_OPTS.fused_activation_function);
      // pot_scale_int16 defaults to true; kept in the IR only when a file stores false
      const pot = o ? o.u8(ELEMENTWISE_OPTS.pot_scale_int16, "pot_scale_int16", 1) !== 0 : true;
      return pot ? { activation } : { activation, potScaleInt16: false };
    }
    case "MUL":
      return { activation: a(ELEMENTWISE_OPTS.fused_activation_function) };
    case "RESHAPE": {
      if (!o || o.field(RESHAPE_OPTS.new_shape, 4, "new_shape") < 0) return {};
      return { newShape: o.i32s(RESHAPE_OPTS.new_shape, "new_shape") };
    }
    case "SOFTMAX":
      return { beta: o ? o.f32(SOFTMAX_OPTS.beta, "beta", 0) : 0 };
    case "CONCATENATION":
      return {
        axis: i32(CONCAT_OPTS.axis, "axis", 0),
        activation: a(CONCAT_OPTS.fused_activation_function),
      };
    case "SHAPE": {
      // TFLite's converter always stores out_type; with no options table TFLite uses int32
      const code = o ? o.i8(SHAPE_OPTS.out_type, "out_type", 0) : TENSOR_TYPE.int32;
      const outType = DTYPE_BY_CODE.get(code);
      if (!outType && o) {
        r.fail(
          "tflite/bad-options",
          `SHAPE out_type ${tensorTypeName(code)} is not a type edgeq reads (int32 or int64)`,
          `${o.path}.out_type`,
          o.pos,
        );
      }
      return { outType: outType ?? "int32" };
    }
    case "STRIDED_SLICE": {
      const ellipsisMask = i32(STRIDED_SLICE_OPTS.ellipsis_mask, "ellipsis_mask", 0);
      const newAxisMask = i32(STRIDED_SLICE_OPTS.new_axis_mask, "new_axis_mask", 0);
      const offset = o ? o.bool(STRIDED_SLICE_OPTS.offset, "offset") : false;
      if (ellipsisMask !== 0 || newAxisMask !== 0 || offset) {
        // valid TFLite that TFLite Micro's STRIDED_SLICE (and so edgeq) does not implement
        throw new EdgeqError(
          "tflite/unsupported-options",
          `${r.source}: STRIDED_SLICE with ellipsis_mask ${ellipsisMask}, new_axis_mask ${newAxisMask}, ` +
            `offset ${offset} is not supported (all must be 0 / false, as TFLite Micro needs)`,
          o?.path ?? "STRIDED_SLICE",
        );
      }
      return {
        beginMask: i32(STRIDED_SLICE_OPTS.begin_mask, "begin_mask", 0),
        endMask: i32(STRIDED_SLICE_OPTS.end_mask, "end_mask", 0),
        shrinkAxisMask: i32(STRIDED_SLICE_OPTS.shrink_axis_mask, "shrink_axis_mask", 0),
        ellipsisMask,
        newAxisMask,
        offset,
      };
    }
    case "PACK":
      return {
        valuesCount: i32(PACK_OPTS.values_count, "values_count", 0),
        axis: i32(PACK_OPTS.axis, "axis", 0),
      };
    case "UNPACK":
      return { num: i32(UNPACK_OPTS.num, "num", 0), axis: i32(UNPACK_OPTS.axis, "axis", 0) };
    case "SPLIT":
      return { numSplits: i32(SPLIT_OPTS.num_splits, "num_splits", 0) };
    case "SQUEEZE":
      return { squeezeDims: o ? o.i32s(SQUEEZE_OPTS.squeeze_dims, "squeeze_dims") : [] };
    case "RESIZE_NEAREST_NEIGHBOR":
      return {
        alignCorners: o ? o.bool(RESIZE_NN_OPTS.align_corners, "align_corners") : false,
        halfPixelCenters: o ? o.bool(RESIZE_NN_OPTS.half_pixel_centers, "half_pixel_centers") : false,
      };
    case "LEAKY_RELU":
      return { alpha: o ? o.f32(LEAKY_RELU_OPTS.alpha, "alpha", 0) : 0 };
    default:
      return {};
  }
}
