/**
 * SOFTMAX int8 -> int8 (reference_ops::Softmax, the fixed-point path TFLite Micro uses:
 * gemmlowp exp_on_negative_values and one_over_one_plus_x_for_x_in_0_1).
 * Shapes: x [.., D] int8 -> y [.., D] int8 with scale 1/256, zero point -128.
 * All values are Q-format int32; the sum of at most D exps in Q12.19 stays below 2^31 for
 * D < 4096.
 */
import { num } from "../fb.js";
import { quantizeMultiplier, rdbpot, srdhm } from "../fixed.js";
import type { Eval, RtOp, RtTensor } from "../types.js";
import { type Ctx, check, dim, sc } from "../util.js";

/** SaturatingRoundingMultiplyByPOT with a positive exponent e: x * 2^e, saturated to int32. */
function satShl(x: number, e: number): number {
  const t = (1 << (31 - e)) - 1;
  return x > t ? 2147483647 : x < -t ? -2147483648 : x << e;
}

/** exp(a) for a <= 0, a in Q5.26 -> Q0.31. */
function expNeg(a: number): number {
  // exp_on_interval_between_negative_one_quarter_and_0_excl on (a mod 1/4) - 1/4
  const aq = (a & 16777215) - 16777216;
  const x = satShl(aq, 5) + 268435456;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = rdbpot(srdhm(x2, x2), 2);
  const p = rdbpot(srdhm(x4 + x3, 715827883) + x2, 1);
  let res = 1895147668 + srdhm(1895147668, x + p);
  const rem = aq - a;
  const mul = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  for (let i = 0; i < 7; i++) if (rem & (1 << (24 + i))) res = srdhm(res, mul[i] as number);
  return a === 0 ? 2147483647 : res;
}

/** GetReciprocal: 1 / x for x in Q12.19 -> [Q0.31 scale, num_bits_over_unit]. */
function reciprocal(x: number): number[] {
  let lz = 0;
  while (lz < 32 && !(x & (-2147483648 >>> lz))) lz++;
  const a = ((x << lz) - -2147483648) | 0;
  // one_over_one_plus_x_for_x_in_0_1
  const s = a + 2147483647;
  const half = (s + (s >= 0 ? 1 : -1) - ((s + (s >= 0 ? 1 : -1)) % 2)) / 2;
  let v = 1515870810 + srdhm(half, -1010580540);
  for (let i = 0; i < 3; i++) {
    const one = 536870912 - srdhm(half, v);
    v = v + satShl(srdhm(v, one), 2);
  }
  return [satShl(v, 1), 12 - lz];
}

export function softmax(_c: Ctx, op: RtOp, t: RtTensor[], Y: RtTensor): Eval {
  const X = t[0] as RtTensor;
  const D = dim(X, X.shape.length - 1);
  const rows = (X.size / D) >> 0;
  const beta = num(op.opt, 0, 1, 0);
  // PreprocessSoftmaxScaling with 5 integer bits
  const real = Math.min(beta * sc(X) * 67108864, 2147483647);
  // QuantizeMultiplierGreaterThanOne: the reference kernel is only defined for beta * scale > 2^-26
  check(real > 1, "beta * input scale < 2^-26 (outside the reference kernel)");
  const q = quantizeMultiplier(real);
  const mult = q[0] as number;
  const ls = q[1] as number;
  // CalculateInputRadius(5, ls): floor(31 * 2^26 / 2^ls)
  let p2 = 1;
  for (let i = 0; i < ls; i++) p2 *= 2;
  const diffMin = -Math.floor((31 * 67108864) / p2);
  const x = X.d as Int8Array;
  const y = Y.d as Int8Array;
  return () => {
    for (let rI = 0; rI < rows; rI++) {
      const o = rI * D;
      let mx = -128;
      for (let j = 0; j < D; j++) if ((x[o + j] as number) > mx) mx = x[o + j] as number;
      let sum = 0;
      for (let j = 0; j < D; j++) {
        const d = (x[o + j] as number) - mx;
        if (d >= diffMin) sum += rdbpot(expNeg(srdhm(d << ls, mult)), 12);
      }
      const rc = reciprocal(sum);
      const sh = (rc[1] as number) + 23;
      for (let j = 0; j < D; j++) {
        const d = (x[o + j] as number) - mx;
        let v = -128;
        if (d >= diffMin) {
          v = rdbpot(srdhm(rc[0] as number, expNeg(srdhm(d << ls, mult))), sh) - 128;
          v = v > 127 ? 127 : v;
        }
        y[o + j] = v;
      }
    }
  };
}
