/**
 * SOFTMAX int8 -> int8 (reference_ops::Softmax, the fixed-point path TFLite Micro uses:
 * gemmlowp exp_on_negative_values and one_over_one_plus_x_for_x_in_0_1).
 * Shapes: x [.., D] int8 -> y [.., D] int8 with scale 1/256, zero point -128.
 * All values are Q-format int32; the sum of at most D exps in Q12.19 stays below 2^31 for
 * D < 4096.
 */
import { Builtin } from "../builtin.js";
import { check } from "../errors.js";
import { M, P31, quantizeMultiplier, rdbpot, srdhm } from "../fixed.js";
import { float32Option } from "../parse.js";
import type { Kernel, RtTensor } from "../types.js";
import { clampInt8 } from "./requantize.js";

/** SoftmaxOptions field 0: beta (default 1 when absent). */
const BETA = 0;

/** SaturatingRoundingMultiplyByPOT with a positive exponent e: x * 2^e, saturated to int32. */
function satShl(x: number, e: number): number {
  // (x > 2^(31-e) - 1: x 2^e >= 2^31; x < -(2^(31-e) - 1): x 2^e <= -2^31; so a clamp of the exact product)
  return M.max(-P31, M.min(P31 - 1, x * (1 << e)));
}

/** exp(a) for a <= 0, a in Q5.26 -> Q0.31 (exp_on_negative_values). */
function expNeg(a: number): number {
  // exp_on_interval_between_negative_one_quarter_and_0_excl on (a mod 1/4) - 1/4, rescaled to
  // Q0.31 (|aq| <= 2^24, so * 2^5 cannot saturate), + 1/8
  // (2^24 - 1, 2^24, 2^28 as fractions of P31)
  const aq = (a & (P31 / 128 - 1)) - P31 / 128;
  const x = aq * 32 + P31 / 8;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = rdbpot(srdhm(x2, x2), 2);
  const c = 1895147668;
  let res = c + srdhm(c, x + rdbpot(srdhm(x4 + x3, 715827883) + x2, 1));
  // times exp(-2^(i-2)) for each bit i of the remainder
  const mul = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  for (let i = 0; i < 7; i++) if ((aq - a) & (1 << (24 + i))) res = srdhm(res, mul[i] as number);
  return a ? res : P31 - 1;
}

/** GetReciprocal: 1 / x for x > 0 in Q12.19 -> [Q0.31 scale, num_bits_over_unit]. */
function reciprocal(x: number): number[] {
  // leading zeros of x (> 0): shift until bit 31 is set
  let lz = 0;
  while (x << lz > 0) lz++;
  // one_over_one_plus_x_for_x_in_0_1 of (x << lz) - 2^31, via RoundingHalfSum with One (the sum is positive)
  const half = (((x << lz) + P31) >> 1) + P31 / 2;
  let v = 1515870810 + srdhm(half, -1010580540);
  for (let i = 0; i < 3; i++) v += satShl(srdhm(v, P31 / 4 - srdhm(half, v)), 2);
  return [satShl(v, 1), 12 - lz];
}

export const softmax: Kernel = {
  code: Builtin.SOFTMAX,
  name: "SOFTMAX",
  prepare: (_context, op, inputs, outputs) => {
    const X = inputs[0] as RtTensor;
    const x = X.view as Int8Array;
    const y = (outputs[0] as RtTensor).view as Int8Array;
    return prepareSoftmax(X, x, y, float32Option(op.options, BETA, 1));
  },
};

function prepareSoftmax(X: RtTensor, x: Int8Array, y: Int8Array, beta: number): () => void {
  const D = X.shape[X.shape.length - 1] as number;
  // PreprocessSoftmaxScaling with 5 integer bits
  const real = M.min(beta * X.firstScale * (P31 / 32), P31 - 1);
  // QuantizeMultiplierGreaterThanOne: the reference kernel is only defined for beta * scale > 2^-26
  check(real > 1, "beta * input scale < 2^-26");
  const q = quantizeMultiplier(real);
  const mult = q[0] as number;
  const ls = q[1] as number;
  // CalculateInputRadius(5, ls): floor(31 * 2^26 / 2^ls) (0 < ls < 32)
  const diffMin = -(((31 * P31) / 32) >> ls);
  // exp(x - max) depends only on max - x, 0..255: a table per op, each entry computed the first
  // time it is needed (-1: not yet; every exp is >= 0), so eval runs one expNeg per distinct difference
  // (a loop, not fill: Duktape's typed arrays have no fill)
  const exps = new Int32Array(256);
  for (let d = 256; d--; ) exps[d] = -1;
  function exp(d: number): number {
    let e = exps[d] as number;
    if (e < 0) e = exps[d] = -d < diffMin ? 0 : expNeg(srdhm(-d << ls, mult));
    return e;
  }
  return () => {
    for (let o = 0; o < X.size; o += D) {
      let mx = -128;
      for (let j = o; j < o + D; j++) if ((x[j] as number) > mx) mx = x[j] as number;
      // the exps summed in Q12.19, then each scaled by 1 / sum (values below diffMin: exp 0, output -128)
      let sum = 0;
      for (let j = o; j < o + D; j++) sum += rdbpot(exp(mx - (x[j] as number)), 12);
      const rc = reciprocal(sum);
      const scale = rc[0] as number;
      const shift = (rc[1] as number) + 23;
      for (let j = o; j < o + D; j++)
        y[j] = clampInt8(rdbpot(srdhm(scale, exp(mx - (x[j] as number))), shift) - 128);
    }
  };
}
