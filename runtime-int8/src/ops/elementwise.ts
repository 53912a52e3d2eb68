/**
 * ADD and MUL, int8, with broadcasting (reference_integer_ops::Add / Mul and their
 * BroadcastAdd4DSlow / BroadcastMul4DSlow semantics, any rank).
 * Shapes: a [..] int8, b [..] int8 (broadcastable against y) -> y [..] int8.
 * ADD: ((a + offA) << 20) stays below 2^28; each side is scaled by a multiplier < 1, the
 * sum of two such values by the output multiplier (AddElementwise). MUL: (a + offA) * (b + offB)
 * is at most 2^16 in magnitude. No intermediate can overflow int32.
 */
import { num } from "../fb.js";
import { fround, M } from "../fixed.js";
import type { Eval, RtOp, RtTensor, View } from "../types.js";
import { type Ctx, mq, offs, quant, rq, strides } from "../util.js";

export function elementwise(
  _c: Ctx,
  op: RtOp,
  t: RtTensor[],
  Y: RtTensor,
  A: RtTensor,
  a: View,
  y: View,
): Eval {
  const isMul = op.bc === 18;
  const B = t[1] as RtTensor;
  const b = B.d as Int8Array;
  const os = Y.dims;
  const sa = strides(A.dims, os);
  const sb = strides(B.dims, os);
  const twice = 2 * M.max(A.sq, B.sq);
  const q = quant(
    isMul ? [fround(fround(A.sq * B.sq) / Y.sq)] : [A.sq / twice, B.sq / twice, twice / (1048576 * Y.sq)],
    num(op.opt, 0, 0, 1),
    Y,
  );
  return () => {
    for (let i = Y.nel; i--; ) {
      const va = (a[offs(i, os, sa)] as number) - A.zq;
      const vb = (b[offs(i, os, sb)] as number) - B.zq;
      y[i] = isMul ? rq(q, 0, va * vb) : rq(q, 2, mq(q, 0, va << 20) + mq(q, 1, vb << 20));
    }
  };
}
