/**
 * The eval of RELU and RELU6 (QuantizedReluX): each value requantized to the output's parameters,
 * MultiplyByQuantizedMultiplier(x - zp_in, in_scale / out_scale) + zp_out (|x - zp_in| < 2^8),
 * clamped to the activation's range, as a fused activation.
 */
import { check } from "../errors.js";
import type { Eval, RtTensor } from "../types.js";
import { requantization, requantize } from "./requantize.js";

export function activationEval(X: RtTensor, Y: RtTensor, activation: number): Eval {
  const x = X.view as Int8Array;
  const y = Y.view as Int8Array;
  check(X.size === Y.size, "input has " + X.size + " values, output " + Y.size);
  const xz = X.firstZeroPoint;
  const q = requantization([X.firstScale / Y.firstScale], activation, Y);
  return () => {
    for (let i = Y.size; i--; ) y[i] = requantize(q, 0, (x[i] as number) - xz);
  };
}
