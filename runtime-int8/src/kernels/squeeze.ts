/**
 * SQUEEZE (TFLite Micro squeeze.cc): x [..] -> y, x's shape without size-1 axes (squeeze_dims, or
 * all of them): the same values in the same order, so the planner gives y x's buffer (aliasesInput)
 * and the eval copies only when they differ: RESHAPE's prepare (it checks the sizes).
 */
import { Builtin } from "../builtin.js";
import type { Kernel } from "../types.js";
import { reshape } from "./reshape.js";

export const squeeze: Kernel = {
  code: Builtin.SQUEEZE,
  name: "SQUEEZE",
  prepare: reshape.prepare,
  aliasesInput: true,
};
