/**
 * ADD and MUL, int8, with broadcasting (reference_integer_ops::Add / Mul and their
 * BroadcastAdd4DSlow / BroadcastMul4DSlow semantics, any rank).
 * Shapes: a [..] int8, b [..] int8 (broadcastable against y) -> y [..] int8.
 * ADD: ((a + offA) << 20) stays below 2^28; each side is scaled by a multiplier < 1, the
 * sum of two such values by the output multiplier (AddElementwise). MUL: (a + offA) * (b + offB)
 * is at most 2^16 in magnitude. No intermediate can overflow int32.
 */
import { num } from "../fb.js";
import { fround, mbqm } from "../fixed.js";
import type { Eval, RtOp, RtTensor } from "../types.js";
import { type Ctx, check, i8, offs, quant, rq, sc, tin, tout, zp } from "../util.js";

/** Per output dim: the stride of t along it (t's dims aligned to the right), 0 where t broadcasts. */
function strides(t: RtTensor, out: number[]): number[] {
  const s: number[] = [];
  let k = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    const j = d - out.length + t.shape.length;
    const n = j >= 0 ? (t.shape[j] as number) : 1;
    check(n === out[d] || n === 1);
    s[d] = n === 1 ? 0 : k;
    k *= n;
  }
  return s;
}

export function elementwise(c: Ctx, op: RtOp): Eval {
  const isMul = op.code === 18;
  const A = tin(c, op, 0);
  const B = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const os = Y.shape;
  const sa = strides(A, os);
  const sb = strides(B, os);
  const oa = -zp(A);
  const ob = -zp(B);
  const a = i8(A);
  const b = i8(B);
  const y = i8(Y);
  const twice = 2 * Math.max(sc(A), sc(B));
  const q = quant(
    isMul
      ? [fround(fround(sc(A) * sc(B)) / sc(Y))]
      : [sc(A) / twice, sc(B) / twice, twice / (1048576 * sc(Y))],
    num(op.opt, 0, 0, 1),
    Y,
  );
  const m = q.m;
  const r = q.r;
  return () => {
    for (let i = 0; i < Y.size; i++) {
      const va = (a[offs(i, os, sa)] as number) + oa;
      const vb = (b[offs(i, os, sb)] as number) + ob;
      y[i] = isMul
        ? rq(q, 0, va * vb)
        : rq(
            q,
            2,
            mbqm(va << 20, m[0] as number, 0, r[0] as number) +
              mbqm(vb << 20, m[1] as number, 0, r[1] as number),
          );
    }
  };
}
