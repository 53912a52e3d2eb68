/** MINIMUM, int8, with broadcasting: see maximum_minimum.ts. Shapes: a [..], b [..] -> y [..]. */
import { Builtin } from "../builtin.js";
import type { Kernel } from "../types.js";
import { maximumMinimumEval } from "./maximum_minimum.js";

export const minimum: Kernel = {
  code: Builtin.MINIMUM,
  name: "MINIMUM",
  prepare: (_context, _op, inputs, outputs) => maximumMinimumEval(inputs, outputs, false),
};
