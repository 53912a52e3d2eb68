/**
 * The WebAssembly add-on's requantization (kernels.wat $rq4 / $out, driven through the glue's
 * FULLY_CONNECTED kernel from the TypeScript sources and the module assembled from the .wat)
 * against the core's mbqm (runtime-int8/src/fixed.ts) plus zero point and clamp, on accumulators
 * across the whole int32 range (edges near +-2^31, the int32 wrap of bias + products) and every
 * multiplier and shift the glue accepts: m in {0, 2^30, 2^31 - 1, random}, left shifts 0..31,
 * right shifts 0..31 mixed per channel, random zero points and activation ranges.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { assembleKernels } from "../../runtime-int8/build-wasm.js";
import { wasmKernels } from "../../runtime-int8/src/addons/wasm/wasm.js";
import { mbqm } from "../../runtime-int8/src/fixed.js";
import type { Fast, Geom } from "../../runtime-int8/src/index.js";
import { prng } from "./gen.js";

let k: Fast;

beforeAll(async () => {
  k = wasmKernels(Buffer.from(await assembleKernels()).toString("base64"));
});

const P = 256;
const OC = 12;
const EDGE_B = [0, 1, -1, 2147483647, -2147483648, 2147418112, -2147418112, 1073741824, -1073741824, 65025];
const EDGE_M = [0, 1073741824, 2147483647, 1073741825];

/** One FULLY_CONNECTED of K = 1: acc[p][c] = b[c] + (x[p] + off) (w[c] + wz), wrapped to int32. */
function batch(seed: number): { got: number[]; want: number[]; shifts: number[] } {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const m = new Int32Array(OC);
  const l = new Int32Array(OC);
  const rs = new Int32Array(OC);
  const b = new Int32Array(OC);
  const w = new Int8Array(OC);
  const shifts: number[] = [];
  for (let c = 0; c < OC; c++) {
    m[c] = r() < 0.3 ? (EDGE_M[int(0, EDGE_M.length - 1)] as number) : 1073741824 + int(0, 1073741823);
    const s = r() < 0.2 ? int(1, 31) : -int(0, 31);
    l[c] = Math.max(s, 0);
    rs[c] = s > 0 ? 0 : -s;
    shifts.push(s);
    b[c] =
      r() < 0.4 ? (EDGE_B[int(0, EDGE_B.length - 1)] as number) + int(-3, 3) : int(-2147483648, 2147483647);
    w[c] = int(-128, 127);
  }
  const x = Int8Array.from({ length: P }, () => int(-128, 127));
  const off = int(-127, 128);
  // some pixels at the input zero point: acc = bias exactly
  for (let p = 0; p < P; p += 7) x[p] = -off;
  const wz = r() < 0.5 ? 0 : int(-127, 128);
  const lo = r() < 0.5 ? -128 : int(-128, 0);
  const hi = r() < 0.5 ? 127 : int(lo, 127);
  const yz = int(-128, 127);
  const y = new Int8Array(P * OC);
  const g: Geom = {
    N: P,
    H: 1,
    IW: 1,
    C: 1,
    KH: 1,
    KW: 1,
    OC,
    OH: 1,
    OW: 1,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    ph: 0,
    pw: 0,
    m,
    l,
    r: rs,
    lo,
    hi,
    yz,
    b,
    off,
    wz,
    x,
    w,
    y,
  };
  const e = k.mm(g);
  if (!e) throw new Error("the wasm kernel declined");
  e();
  const want: number[] = [];
  for (let p = 0; p < P; p++)
    for (let c = 0; c < OC; c++) {
      const acc = ((b[c] as number) + ((x[p] as number) + off) * ((w[c] as number) + wz)) | 0;
      const v = mbqm(acc, m[c] as number, l[c] as number, rs[c] as number) + yz;
      want.push(Math.min(Math.max(v, lo), hi));
    }
  return { got: Array.from(y), want, shifts };
}

describe("wasm add-on requantization", () => {
  it("equals mbqm + zero point + clamp on 600 batches of 256 x 12 accumulators (int32 edges and wrap, shifts -31..31, m edges)", () => {
    let n = 0;
    const seen = new Set<number>();
    for (let s = 1; s <= 600; s++) {
      const { got, want, shifts } = batch(s);
      for (const v of shifts) seen.add(v);
      for (let i = 0; i < want.length; i++)
        if (got[i] !== want[i]) throw new Error(`batch ${s} value ${i}: wasm ${got[i]} reference ${want[i]}`);
      n += want.length;
    }
    expect(n).toBe(600 * P * OC);
    // every shift from -31 to 31 was used
    expect(seen.size).toBe(63);
  });
});
