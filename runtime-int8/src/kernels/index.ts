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
import { fullyConnected } from "./fully_connected.js";
import { maxPool2d } from "./max_pool_2d.js";
import { mean } from "./mean.js";
import { mul } from "./mul.js";
import { pad } from "./pad.js";
import { quantize } from "./quantize.js";
import { relu } from "./relu.js";
import { relu6 } from "./relu6.js";
import { reshape } from "./reshape.js";
import { softmax } from "./softmax.js";

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
];
