/**
 * FULLY_CONNECTED (reference_integer_ops::FullyConnected, per-tensor or per-channel).
 * Shapes: x [..., K] int8 read as [B, K] (B = size / K), w [OC, K] int8, bias [OC] int32
 * -> y [B, OC] int8.
 *
 * Accumulator: K terms of |(x + off) * (w + woff)| <= 255 * 255 plus the bias; below 2^31 for
 * K <= 33000 (micro models have K in the hundreds to few thousands). `acc | 0` reproduces
 * C's int32 wrap beyond that (the JS sum is exact below 2^53).
 */
import { fI8 } from "../fb.js";
import { mbqm } from "../fixed.js";
import type { Eval, RtOp } from "../types.js";
import { bias, type Ctx, check, convQuant, dim, i8, tin, tout, zp } from "../util.js";

export function fc(c: Ctx, op: RtOp): Eval {
  const X = tin(c, op, 0);
  const W = tin(c, op, 1);
  const Y = tout(c, op, 0);
  const OC = dim(W, 0);
  const K = dim(W, 1);
  const B = (X.size / K) >> 0;
  check(B * K === X.size && Y.size === B * OC, "FULLY_CONNECTED shapes do not match");
  const q = convQuant(X, W, Y, OC, fI8(c.fb, op.opt, 0, 0));
  const m = q[0] as Int32Array;
  const l = q[1] as Int32Array;
  const r = q[2] as Int32Array;
  const lo = (q[3] as Int32Array)[0] as number;
  const hi = (q[3] as Int32Array)[1] as number;
  const off = -zp(X);
  const woff = -zp(W);
  const yz = zp(Y);
  const x = i8(X);
  const w = i8(W);
  const y = i8(Y);
  const dot = c.dot;
  // sum((x + off) * (w + woff)) = sum(x * w) + woff * sum(x) + off * sum(w + woff): fold the constant part.
  const b2 = bias(c, op, 2, OC);
  const rows: Int8Array[] = [];
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) s += (w[k * K + i] as number) + woff;
    b2[k] = (b2[k] as number) + off * s;
    if (dot) rows.push(w.subarray(k * K, k * K + K));
  }
  return () => {
    for (let b = 0; b < B; b++) {
      const xo = b * K;
      let sx = 0;
      if (woff) for (let i = 0; i < K; i++) sx += x[xo + i] as number;
      const xs = dot ? x.subarray(xo, xo + K) : x;
      for (let k = 0; k < OC; k++) {
        let acc = (b2[k] as number) + woff * sx;
        if (dot) acc += dot(rows[k] as Int8Array, xs);
        else {
          const wo = k * K;
          for (let i = 0; i < K; i++) acc += (x[xo + i] as number) * (w[wo + i] as number);
        }
        acc = mbqm(acc | 0, m[k] as number, l[k] as number, r[k] as number) + yz;
        y[b * OC + k] = acc < lo ? lo : acc > hi ? hi : acc;
      }
    }
  };
}
