/**
 * SQUEEZE (TFLite Micro squeeze.cc): x [..] -> y, x's shape without size-1 axes (squeeze_dims, or
 * all of them): the same values in the same order, so the planner gives y x's buffer (aliasesInput)
 * and the eval copies only when they differ (as RESHAPE).
 */
import { Builtin } from "../builtin.js";
import type { Kernel } from "../types.js";
import { sameValues } from "./expand_dims.js";

export const squeeze: Kernel = {
  code: Builtin.SQUEEZE,
  name: "SQUEEZE",
  prepare: (_context, _op, inputs, outputs) => sameValues(inputs, outputs, -1),
  aliasesInput: true,
};
