/**
 * The kernel list: the full runtime is every kernel here; a per-model bundle is the same loader
 * with a shorter list (bundle-lib.ts). To add an op: write src/kernels/<op name in snake case>.ts
 * exporting its Kernel, and add one line below.
 */
import type { Kernel } from "../types.js";
import { add } from "./add.js";
import { averagePool2d } from "./average_pool_2d.js";
import { concatenation } from "./concatenation.js";
import { conv2d } from "./conv_2d.js";
import { depthwiseConv2d } from "./depthwise_conv_2d.js";
import { dequantize } from "./dequantize.js";
import { expandDims } from "./expand_dims.js";
import { fullyConnected } from "./fully_connected.js";
import { hardSwish } from "./hard_swish.js";
import { leakyRelu } from "./leaky_relu.js";
import { logistic } from "./logistic.js";
import { maxPool2d } from "./max_pool_2d.js";
import { maximum } from "./maximum.js";
import { mean } from "./mean.js";
import { minimum } from "./minimum.js";
import { mul } from "./mul.js";
import { pack } from "./pack.js";
import { pad } from "./pad.js";
import { padv2 } from "./padv2.js";
import { prelu } from "./prelu.js";
import { quantize } from "./quantize.js";
import { relu } from "./relu.js";
import { relu6 } from "./relu6.js";
import { reshape } from "./reshape.js";
import { resizeNearestNeighbor } from "./resize_nearest_neighbor.js";
import { shape } from "./shape.js";
import { softmax } from "./softmax.js";
import { split } from "./split.js";
import { squeeze } from "./squeeze.js";
import { stridedSlice } from "./strided_slice.js";
import { sub } from "./sub.js";
import { tanh } from "./tanh.js";
import { transpose } from "./transpose.js";
import { unpack } from "./unpack.js";

export const KERNELS: Kernel[] = [
  add,
  averagePool2d,
  concatenation,
  conv2d,
  depthwiseConv2d,
  dequantize,
  fullyConnected,
  maxPool2d,
  mean,
  mul,
  pad,
  quantize,
  relu,
  relu6,
  reshape,
  softmax,
  // shape and data movement (issue 13)
  expandDims,
  pack,
  padv2,
  resizeNearestNeighbor,
  shape,
  split,
  squeeze,
  stridedSlice,
  transpose,
  unpack,
  // issue 13, arithmetic and activations (ops2)
  hardSwish,
  leakyRelu,
  logistic,
  maximum,
  minimum,
  prelu,
  sub,
  tanh,
];
