/**
 * int8 MEAN written out twice, independently of the runtime, for the parity tests:
 *
 * - meanMicro: current TFLite Micro (reduce_common.cc -> reference_ops::QuantizedMeanOrSum), which
 *   the runtime follows, for every axis set, keep_dims and quantization: sum of the raw values,
 *   minus input_zp * n, times MultiplyByQuantizedMultiplier with the count n folded into the
 *   multiplier: shift = min(floor(log2 n), 32, 31 + s), m' = (m << shift) / n (int64, truncated),
 *   s' = s - shift; + output_zp, clamped.
 * - meanTflite29: native TFLite 2.9 (kernels/reduce.cc, optimized kernels), three paths:
 *   keep_dims over axes written as {1, 2} of a 4-D input: integer Mean (sum - zp * n, times the in/out multiplier,
 *   divided by n rounding half away from zero, + zp_out); else equal input and output quantization:
 *   sum / n truncated toward zero; else float32: round(float(sum) / n * scale + bias) + zp_out with
 *   scale = float(in_scale / out_scale), bias = float(-zp_in * scale) (the float path was checked
 *   against native 2.9 on 300 random shapes, axes and quantizations).
 *
 * The two agree on most values and differ by one step on some (the parity test names every such
 * value: native equals meanTflite29 there, the runtime equals meanMicro).
 */

import type { Graph, Op } from "../../toolchain/ir/types.js";
import { qmul } from "./quantize-multiplier.js";

const f = Math.fround;

export interface MeanCase {
  x: ArrayLike<number>;
  shape: number[];
  axes: number[];
  keepDims: boolean;
  inScale: number;
  inZp: number;
  outScale: number;
  outZp: number;
}

/** Resolved, deduplicated axes and, per input element, its output index; the count per output. */
function reduceIndex(c: MeanCase): { sums: number[]; n: number; axes: number[] } {
  const r = c.shape.length;
  const axes: number[] = [];
  for (const a of c.axes) {
    const v = a < 0 ? a + r : a;
    if (!axes.includes(v)) axes.push(v);
  }
  let n = 1;
  for (const a of axes) n *= c.shape[a] as number;
  const total = c.shape.reduce((p, d) => p * d, 1);
  const sums = new Array<number>(total / n).fill(0);
  for (let i = 0; i < total; i++) {
    let rem = i;
    let o = 0;
    let mul = 1;
    for (let d = r - 1; d >= 0; d--) {
      const size = c.shape[d] as number;
      const id = rem % size;
      rem = Math.floor(rem / size);
      if (!axes.includes(d)) {
        o += id * mul;
        mul *= size;
      }
    }
    sums[o] = (sums[o] as number) + (c.x[i] as number);
  }
  return { sums, n, axes };
}

/** MultiplyByQuantizedMultiplier (TFLite's double rounding), with BigInt. */
function mbqm(x: number, m: number, shift: number): number {
  const left = Math.max(shift, 0);
  const right = shift > 0 ? 0 : -shift;
  const a = BigInt.asIntN(32, BigInt(x) << BigInt(left));
  const ab = a * BigInt(m);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  const hi = Number((ab + nudge) / (1n << 31n));
  if (right === 0) return hi;
  const mask = 2 ** right - 1;
  const rem = ((hi % 2 ** right) + 2 ** right) % 2 ** right;
  const threshold = Math.floor(mask / 2) + (hi < 0 ? 1 : 0);
  return Math.floor(hi / 2 ** right) + (rem > threshold ? 1 : 0);
}

/** (+ 0: never -0) */
const clamp8 = (v: number) => Math.max(-128, Math.min(127, v)) + 0;

/** TFLite Micro's int8 MEAN (QuantizedMeanOrSum, the count folded into the multiplier). */
export function meanMicro(c: MeanCase): number[] {
  const { sums, n } = reduceIndex(c);
  const [m, s] = qmul(c.inScale / c.outScale);
  let shift = Math.floor(Math.log2(n));
  while (2 ** (shift + 1) <= n) shift++;
  while (2 ** shift > n) shift--;
  shift = Math.min(shift, 32, 31 + s);
  const m2 = Number((BigInt(m) << BigInt(shift)) / BigInt(n));
  return sums.map((sum) =>
    clamp8(mbqm(Number(BigInt.asIntN(32, BigInt(sum - c.inZp * n))), m2, s - shift) + c.outZp),
  );
}

/** Native TFLite 2.9's int8 MEAN (its three paths). */
export function meanTflite29(c: MeanCase): number[] {
  const { sums, n } = reduceIndex(c);
  // (the axes as written: 2.9 tests them before resolving negative ones)
  const spatial =
    c.keepDims && c.shape.length === 4 && c.axes.length === 2 && c.axes.includes(1) && c.axes.includes(2);
  if (spatial) {
    const [m, s] = qmul(c.inScale / c.outScale);
    return sums.map((sum) => {
      const v = mbqm(sum - c.inZp * n, m, s);
      const q = v > 0 ? Math.floor((v + Math.floor(n / 2)) / n) : -Math.floor((-v + Math.floor(n / 2)) / n);
      return clamp8(q + c.outZp);
    });
  }
  if (c.inScale === c.outScale && c.inZp === c.outZp) return sums.map((sum) => clamp8(Math.trunc(sum / n)));
  const scale = f(c.inScale / c.outScale);
  const bias = f(-c.inZp * scale);
  return sums.map((sum) => {
    const mean = f(f(sum) / f(n));
    const v = f(f(mean * scale) + bias);
    return clamp8(Math.sign(v) * Math.round(Math.abs(v)) + c.outZp);
  });
}

/**
 * For the parity test against native TFLite 2.9: throws unless element e of a MEAN op's output is
 * an identified difference, i.e. the runtime's value is TFLite Micro's (meanMicro) and native's is
 * TFLite 2.9's (meanTflite29), computed from the op's input x.
 */
export function explainMean(
  g: Graph,
  op: Op,
  x: ArrayLike<number>,
  e: number,
  runtime: number,
  native: number,
  where: string,
): void {
  if (op.type !== "MEAN") throw new Error(`${where}: not a MEAN`);
  const X = g.tensors[op.inputs[0] as number]!;
  const A = g.tensors[op.inputs[1] as number]!;
  const Y = g.tensors[op.outputs[0] as number]!;
  const c: MeanCase = {
    x,
    shape: X.shape,
    axes: Array.from(A.data as Int32Array),
    keepDims: op.options.keepDims,
    inScale: X.quant!.scale[0] as number,
    inZp: X.quant!.zeroPoint[0] as number,
    outScale: Y.quant!.scale[0] as number,
    outZp: Y.quant!.zeroPoint[0] as number,
  };
  const micro = meanMicro(c)[e];
  const v29 = meanTflite29(c)[e];
  if (runtime !== micro || native !== v29)
    throw new Error(
      `${where}: element ${e} runtime ${runtime} native ${native}; TFLite Micro's MEAN gives ${micro}, TFLite 2.9's ${v29}`,
    );
}
