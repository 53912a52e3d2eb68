/** RELU, int8 -> int8 (QuantizedReluX with range [0, inf)). Shapes: x [..] -> y [..]. See activation.ts. */
import { Builtin } from "../builtin.js";
import { Activation, type Kernel, type RtTensor } from "../types.js";
import { activationEval } from "./activation.js";

export const relu: Kernel = {
  code: Builtin.RELU,
  name: "RELU",
  prepare: (_context, _op, inputs, outputs) =>
    activationEval(inputs[0] as RtTensor, outputs[0] as RtTensor, Activation.RELU),
};
