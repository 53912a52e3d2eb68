/**
 * The add-on's matrix multiply: FULLY_CONNECTED and 1x1 stride-1 CONV_2D (see mm).
 */
import type { Eval, Geom } from "../../types.js";
import { ints, lane1, PR, room, rq } from "./packed-util.js";

/**
 * FULLY_CONNECTED / 1x1 CONV_2D: y[P,OC] = requant(x[P,K] . (w + wz)[OC,K]^T + bias) with the input
 * offset folded once: sum((x + off)(w + wz)) = sum(x (w + wz)) + off sum(w + wz). The weights
 * (plus a FULLY_CONNECTED weights offset) are packed at load, channels 2j and 2j + 1 two to a
 * double: W[j, i] = (w + wz)[2j, i] + (w + wz)[2j + 1, i] * 2^26 (host RAM, 4 bytes a weight), so
 * x needs no packing and one multiply-add by an int8 x serves two channels. Each lane sum has
 * |sum| <= K * 128 * 128 < 2^25 for K < 2048 (K * 128 * 255 < 2^25 for K < 1028 with a weights
 * offset), so both lanes stay exact.
 */
export function mm(g: Geom): Eval | undefined {
  g = ints(g);
  const OC = g.OC;
  const P = g.N * g.H * g.IW;
  const K = g.C;
  const J = (OC + 1) >> 1;
  const x = g.x;
  const w = g.w;
  const wz = g.wz;
  if (K >= (wz ? 1028 : 2048) || !room(0, 0, P * J)) return undefined;
  const W = new Float64Array(J * K);
  const b = new Int32Array(OC);
  for (let k = 0; k < OC; k++) {
    let s = 0;
    for (let i = 0; i < K; i++) {
      const v = (w[k * K + i] as number) + wz;
      s += v;
      const j = (k >> 1) * K + i;
      W[j] = (W[j] as number) + (k & 1 ? v * 67108864 : v);
    }
    b[k] = (g.b[k] as number) + g.off * s;
  }
  return () => {
    mm2(PR, x, W, P, K, J);
    unpackQ(g, PR, P, b);
  };
}

/**
 * The host kernel: pr[P, J] = x[P, K] . W[J, K]^T, W holding channel pairs two to a double (see
 * mm). Sums of products of integers below 2^51 are exact in doubles; lane 1 = floor(a / 2^26 + 1/2)
 * and lane 0 = a - lane1 * 2^26 recover both int32 sums exactly. Top-level (monomorphic, no closure context).
 */
function mm2(pr: Float64Array, f: Int8Array, w: Float64Array, Q: number, K: number, OC: number): void {
  // four rows at a time, then the rest one by one (no work on padding rows)
  const Q4 = Q - (Q % 4);
  for (let q = 0; q < Q; q += q < Q4 ? 4 : 1) {
    const x0 = q * K;
    const x1 = x0 + K;
    const x2 = x1 + K;
    const x3 = x2 + K;
    for (let k = 0; k < OC; k += 4) {
      const w0 = k * K;
      const w1 = k + 1 < OC ? w0 + 1 * K : w0;
      const w2 = k + 2 < OC ? w0 + 2 * K : w0;
      const w3 = k + 3 < OC ? w0 + 3 * K : w0;
      const o = q * OC + k;
      if (q >= Q4) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let i = 0; i < K; i++) {
          const u = f[x0 + i] as number;
          a0 += u * (w[w0 + i] as number);
          a1 += u * (w[w1 + i] as number);
          a2 += u * (w[w2 + i] as number);
          a3 += u * (w[w3 + i] as number);
        }
        pr[o] = a0;
        if (w1 !== w0) pr[o + 1] = a1;
        if (w2 !== w0) pr[o + 2] = a2;
        if (w3 !== w0) pr[o + 3] = a3;
        continue;
      }
      let a00 = 0;
      let a01 = 0;
      let a02 = 0;
      let a03 = 0;
      let a10 = 0;
      let a11 = 0;
      let a12 = 0;
      let a13 = 0;
      let a20 = 0;
      let a21 = 0;
      let a22 = 0;
      let a23 = 0;
      let a30 = 0;
      let a31 = 0;
      let a32 = 0;
      let a33 = 0;
      for (let i = 0; i < K; i++) {
        const e0 = w[w0 + i] as number;
        const e1 = w[w1 + i] as number;
        const e2 = w[w2 + i] as number;
        const e3 = w[w3 + i] as number;
        let u = 0;
        u = f[x0 + i] as number;
        a00 += u * e0;
        a01 += u * e1;
        a02 += u * e2;
        a03 += u * e3;
        u = f[x1 + i] as number;
        a10 += u * e0;
        a11 += u * e1;
        a12 += u * e2;
        a13 += u * e3;
        u = f[x2 + i] as number;
        a20 += u * e0;
        a21 += u * e1;
        a22 += u * e2;
        a23 += u * e3;
        u = f[x3 + i] as number;
        a30 += u * e0;
        a31 += u * e1;
        a32 += u * e2;
        a33 += u * e3;
      }
      pr[o] = a00;
      pr[o + OC] = a10;
      pr[o + 2 * OC] = a20;
      pr[o + 3 * OC] = a30;
      if (w1 !== w0) {
        pr[o + 1] = a01;
        pr[o + OC + 1] = a11;
        pr[o + 2 * OC + 1] = a21;
        pr[o + 3 * OC + 1] = a31;
      }
      if (w2 !== w0) {
        pr[o + 2] = a02;
        pr[o + OC + 2] = a12;
        pr[o + 2 * OC + 2] = a22;
        pr[o + 3 * OC + 2] = a32;
      }
      if (w3 !== w0) {
        pr[o + 3] = a03;
        pr[o + OC + 3] = a13;
        pr[o + 2 * OC + 3] = a23;
        pr[o + 3 * OC + 3] = a33;
      }
    }
  }
}

/**
 * Unpacks the pair sums pr[P, J] (channel 2j in lane 0 = a - lane 1 * 2^26, channel 2j + 1 in
 * lane 1 = floor(a / 2^26 + 1/2)) and requantizes both with the bias b, in one pass.
 */
function unpackQ(g: Geom, pr: Float64Array, P: number, b: Int32Array): void {
  const OC = g.OC;
  const y = g.y;
  const m = g.m;
  const l = g.l;
  const r = g.r;
  for (let p = 0, i = 0, o = 0; p < P; p++, o += OC)
    for (let k = 0; k < OC; k += 2) {
      const a = pr[i++] as number;
      const h = lane1(a);
      y[o + k] = rq(g, a - h * 67108864 + (b[k] as number), m[k] as number, l[k] as number, r[k] as number);
      if (k + 1 < OC)
        y[o + k + 1] = rq(
          g,
          h + (b[k + 1] as number),
          m[k + 1] as number,
          l[k + 1] as number,
          r[k + 1] as number,
        );
    }
}
