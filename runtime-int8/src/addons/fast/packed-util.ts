/**
 * The add-on's shared pieces (ops/packed.ts, packed-mm.ts): scratch outside the arena, the int32
 * copy of a Geom, and the requantization (lanes of a pair sum, rq) used by every kernel.
 */
import { srdhm } from "../../fixed.js";
import type { Geom } from "../../types.js";

declare const E: unknown;

// scratch shared by every model loaded with these kernels (host RAM, outside the arena): grown at
// load, read at invoke (JS runs one invoke at a time)
export let F = new Float64Array(0);
export let A = new Int32Array(0);
export let PR = new Float64Array(0);

/**
 * Hosts only (no Espruino `E`, which keeps its RAM): grows the scratch to the sizes given; false
 * (the op stays with the core) past 2^25 elements in all, 256 MB of doubles (a corrupt or huge model).
 */
export function room(nf: number, na: number, np: number): boolean {
  if (typeof E !== "undefined" || nf + na + np > 33554432) return false;
  if (nf > F.length) F = new Float64Array(nf);
  if (na > A.length) A = new Int32Array(na);
  if (np > PR.length) PR = new Float64Array(np);
  return true;
}

/**
 * g with every number an int32, in a fresh object: the core's numbers may be heap doubles (a
 * flatbuffer field read, -0), which makes V8 store those fields as doubles for every object of
 * Geom's shape; kernels reading them would run their loops and indices on float64 (MobileNet ~1.5x slower).
 */
export function ints(g: Geom): Geom {
  // (arrays first: a key order of its own, so not Geom's shape)
  return {
    x: g.x,
    w: g.w,
    y: g.y,
    b: g.b,
    m: g.m,
    l: g.l,
    r: g.r,
    N: g.N | 0,
    H: g.H | 0,
    IW: g.IW | 0,
    C: g.C | 0,
    KH: g.KH | 0,
    KW: g.KW | 0,
    OC: g.OC | 0,
    OH: g.OH | 0,
    OW: g.OW | 0,
    sh: g.sh | 0,
    sw: g.sw | 0,
    dh: g.dh | 0,
    dw: g.dw | 0,
    ph: g.ph | 0,
    pw: g.pw | 0,
    lo: g.lo | 0,
    hi: g.hi | 0,
    yz: g.yz | 0,
    off: g.off | 0,
    wz: g.wz | 0,
  };
}

/**
 * Lane 1 of a pair sum a = lane0 + lane1 * 2^26 (|lane0|, |lane1| < 2^25): floor(a / 2^26 + 1/2),
 * taken as a truncation (`| 0`, cheaper than Math.floor) of a / 2^26 + 1/2 + 2^25, which is
 * positive and below 2^26 + 1, and exact (a / 2^26 has 26 fraction bits over at most 26 integer bits).
 */
export function lane1(a: number): number {
  return ((a * 1.4901161193847656e-8 + 33554432.5) | 0) - 33554432;
}

/**
 * clamp(MultiplyByQuantizedMultiplier(acc, mk, lk, rk) + zp), bit for bit as the reference. Fast
 * path (|a| < 2^21, no left shift, rk > 0): SaturatingRoundingDoublingHighMul truncates
 * (a m + nudge) / 2^31, nudge 2^30 or 1 - 2^30 by the sign of a m; for a m < 0 that is
 * ceil((a m + 1 - 2^30) / 2^31) = floor((a m + 2^30) / 2^31), the same formula as a m >= 0.
 * |a m| <= (2^21 - 1)(2^31 - 1) < 2^52 - 2^30, so a m + 2^30 + 2^52 lies in (0, 2^53): exact, and
 * its quotient by 2^31 (exact) truncated by `| 0` is the floor, 2^21 too high; |v| < 2^21.
 * RoundingDivideByPOT (ties away from zero) is then floor((v + 2^(rk-1) - [v < 0]) / 2^rk).
 */
export function rq(g: Geom, acc: number, mk: number, lk: number, rk: number): number {
  // acc is an integer; inside +-2^21 it is its own int32 (no `| 0`, a costly truncation of a double)
  if (acc < 2097152 && acc > -2097152 && lk === 0 && rk > 0) {
    const v = (((acc * mk + 4503600701112320) * 4.656612873077393e-10) | 0) - 2097152;
    // branch-free (the signs are data: branches on them mispredict): v >> 31 = -[v < 0]; then
    // max(u, lo) and min(u, hi) by masks, exact as every value here is far inside int32
    let u = ((v + (1 << (rk - 1)) + (v >> 31)) >> rk) + g.yz - g.lo;
    u = (u & ~(u >> 31)) + g.lo - g.hi;
    return (u & (u >> 31)) + g.hi;
  }
  return rqSlow(g, acc | 0, mk, lk, rk);
}

/** rq's general case: SaturatingRoundingDoublingHighMul by limbs, RoundingDivideByPOT, clamp. */
function rqSlow(g: Geom, a: number, mk: number, lk: number, rk: number): number {
  let v = srdhm(a << lk, mk);
  const mask = (1 << rk) - 1;
  v = (v >> rk) + ((v & mask) > (mask >> 1) + (v < 0 ? 1 : 0) ? 1 : 0) + g.yz;
  return v < g.lo ? g.lo : v > g.hi ? g.hi : v;
}

/** y[p, k] = rq(acc[p, k] + b[k]) over P rows, channel by channel (its quantization in registers). */
export function requantAll(g: Geom, acc: Int32Array, P: number, b: Int32Array): void {
  const OC = g.OC;
  const n = P * OC;
  const y = g.y;
  for (let k = 0; k < OC; k++) {
    const mk = g.m[k] as number;
    const lk = g.l[k] as number;
    const rk = g.r[k] as number;
    const bk = b[k] as number;
    for (let i = k; i < n; i += OC) y[i] = rq(g, (acc[i] as number) + bk, mk, lk, rk);
  }
}
