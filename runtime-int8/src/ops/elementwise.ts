/**
 * ADD and MUL, int8, with 4-D broadcasting (reference_integer_ops::Add / Mul and their
 * BroadcastAdd4DSlow / BroadcastMul4DSlow).
 * Shapes: a [..] int8, b [..] int8 (broadcastable, rank <= 4) -> y [..] int8.
 * ADD: ((a + offA) << 20) stays below 2^28; each side is scaled by a multiplier < 1, the
 * sum of two such values by the output multiplier (AddElementwise). MUL: (a + offA) * (b + offB)
 * is at most 2^16 in magnitude. No accumulator can overflow.
 */
import { num } from "../fb.js";
import { actRange, fround, mbqm, multipliers } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import { type Ctx, check, i8, sc, tin, tout, zp } from "../util.js";

/** Broadcast strides of t's shape against the 4-D output shape (0 along broadcast dims). */
function strides(shape: number[], out: number[]): number[] {
  const s = [0, 0, 0, 0];
  let k = 1;
  for (let i = 3; i >= 0; i--) {
    const j = shape.length - 4 + i;
    const d = j >= 0 ? (shape[j] as number) : 1;
    check(d === out[i] || d === 1, "ADD/MUL shapes cannot be broadcast");
    s[i] = d === 1 ? 0 : k;
    k *= d;
  }
  return s;
}

export function elementwise(c: Ctx, op: RtOp): Eval {
  const isMul = op.code === 18;
  const A = tin(c, op, 0);
  const B = tin(c, op, 1);
  const Y = tout(c, op, 0);
  check(Y.shape.length <= 4, "ADD/MUL supports rank <= 4");
  const os: number[] = [];
  for (let i = 0; i < 4; i++)
    os.push(i < 4 - Y.shape.length ? 1 : (Y.shape[i - 4 + Y.shape.length] as number));
  const sa = strides(A.shape, os);
  const sb = strides(B.shape, os);
  const ar = actRange(num(c.fb, op.opt, 0, 0, 1), sc(Y), zp(Y));
  const lo = ar[0] as number;
  const hi = ar[1] as number;
  const oa = -zp(A);
  const ob = -zp(B);
  const yz = zp(Y);
  const a = i8(A);
  const b = i8(B);
  const y = i8(Y);
  let q: Int32Array[];
  if (isMul) q = multipliers([fround(fround(sc(A) * sc(B)) / sc(Y))]);
  else {
    const twice = 2 * Math.max(sc(A), sc(B));
    q = multipliers([sc(A) / twice, sc(B) / twice, twice / fround(1048576 * sc(Y))]);
  }
  const m = q[0] as Int32Array;
  const l = q[1] as Int32Array;
  const r = q[2] as Int32Array;
  const m0 = m[0] as number;
  const l0 = l[0] as number;
  const r0 = r[0] as number;
  const m1 = m[1] as number;
  const r1 = r[1] as number;
  const m2 = m[2] as number;
  const l2 = l[2] as number;
  const r2 = r[2] as number;
  const d1 = os[1] as number;
  const d2 = os[2] as number;
  const d3 = os[3] as number;
  return () => {
    let i = 0;
    for (let i0 = 0; i0 < (os[0] as number); i0++)
      for (let i1 = 0; i1 < d1; i1++)
        for (let i2 = 0; i2 < d2; i2++) {
          let ai = i0 * (sa[0] as number) + i1 * (sa[1] as number) + i2 * (sa[2] as number);
          let bi = i0 * (sb[0] as number) + i1 * (sb[1] as number) + i2 * (sb[2] as number);
          for (let i3 = 0; i3 < d3; i3++) {
            const va = (a[ai] as number) + oa;
            const vb = (b[bi] as number) + ob;
            let v: number;
            if (isMul) v = mbqm(va * vb, m0, l0, r0);
            else v = mbqm(mbqm(va << 20, m0, l0, r0) + mbqm(vb << 20, m1, 0, r1), m2, l2, r2);
            v += yz;
            y[i++] = v < lo ? lo : v > hi ? hi : v;
            ai += sa[3] as number;
            bi += sb[3] as number;
          }
        }
  };
}
