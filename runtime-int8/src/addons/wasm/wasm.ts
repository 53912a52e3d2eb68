/**
 * Optional WebAssembly-SIMD host kernels (src/wasm/kernels.wat, assembled at build time by
 * build-wasm.ts and shipped as dist/edgeq-rt-wasm.min.js, apart from the core): CONV_2D,
 * DEPTHWISE_CONV_2D, and FULLY_CONNECTED / 1x1 stride-1 CONV_2D as a matrix multiply, with the
 * integer arithmetic of TFLite's reference kernels: same bytes as the core's loops.
 *
 * Ops share an instance of the module (a new one when its memory would pass 16 MB; memory is
 * never freed while an op placed in it lives): each op's requantization parameters and weights
 * (+ weights offset, as int16) are written into its own bytes once at load; each invoke copies x
 * in, runs, copies y out (all of x is read before y is written, so
 * an in-place depthwise is safe). Declines (the core runs the op) where there is no WebAssembly
 * or the module does not validate (no SIMD), on Espruino, or if instantiating fails.
 */
import type { Eval, Fast, Geom } from "../../types.js";

interface Mem {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Inst {
  exports: { memory: Mem };
}
interface WasmApi {
  validate(b: Uint8Array): boolean;
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, imports: object) => Inst;
}
declare const WebAssembly: WasmApi;
declare const E: unknown;

type Fn = (...a: number[]) => void;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 -> bytes (stops at the first "=" or other character outside the alphabet). */
export function unb64(s: string): Uint8Array {
  let n = 0;
  while (n < s.length && B64.indexOf(s.charAt(n)) >= 0) n++;
  const out = new Uint8Array((n * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    acc = ((acc << 6) | B64.indexOf(s.charAt(i))) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/**
 * Requantization parameters (layout in kernels.wat) of g at byte q; returns the op's flags
 * (rmin << 8 | 32 if any left shift | the bits any r - rmin has), or -1 if a multiplier is
 * outside the reference's domain.
 */
function putQ(i32: Int32Array, q: number, g: Geom, perm: boolean): number {
  const o = q >> 2;
  // int16 splats: two lanes a word
  for (let j = 0; j < 4; j++) {
    i32[o + j] = (g.yz & 0xffff) | (g.yz << 16);
    i32[o + 4 + j] = (g.lo & 0xffff) | (g.lo << 16);
    i32[o + 8 + j] = (g.hi & 0xffff) | (g.hi << 16);
  }
  let rmin = 31;
  for (let k = 0; k < g.OC; k++) if ((g.r[k] as number) < rmin) rmin = g.r[k] as number;
  let f = 0;
  for (let k = 0; k < g.OC; k++) {
    const m = g.m[k] as number;
    const l = g.l[k] as number;
    const r = g.r[k] as number;
    if (m < 0 || l < 0 || l > 31 || r < 0 || r > 31) return -1;
    const mask = ((1 << r) - 1) | 0;
    // perm (depthwise): a block of 8 channels as the groups of its even and odd channels
    const p = perm
      ? o + 12 + ((k >> 3) * 2 + (k & 1)) * 40 + ((k & 7) >> 1)
      : o + 12 + (k >> 2) * 40 + (k & 3);
    i32[p] = g.b[k] as number;
    i32[p + 4] = 1 << l;
    i32[p + 8] = m;
    i32[p + 12] = mask;
    i32[p + 16] = mask >> 1;
    for (let b = 0; b < 5; b++) i32[p + 20 + 4 * b] = ((r - rmin) >> b) & 1 ? -1 : 0;
    f |= (r - rmin) | (l ? 32 : 0);
  }
  return f | (rmin << 8);
}

const al = (n: number) => (n + 15) & ~15;

/** The views hold what the geometry says (wn weights); dimensions positive. Else the core takes the op. */
function sane(g: Geom, wn: number): boolean {
  const d = [g.N, g.H, g.IW, g.C, g.KH, g.KW, g.OC, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw];
  for (let i = 0; i < d.length; i++) if (!((d[i] as number) >= 1)) return false;
  return (
    g.x.length === g.N * g.H * g.IW * g.C &&
    g.y.length === g.N * g.OH * g.OW * g.OC &&
    g.w.length >= wn &&
    g.b.length >= g.OC &&
    g.ph >= 0 &&
    g.pw >= 0
  );
}

/** One instance and its memory, shared by the ops placed in it (never freed before all their Evals are). */
interface Rec {
  mem: Mem;
  /** Exports [pack, conv, dw]. */
  f: Fn[];
  /** First free byte. */
  top: number;
  /** The buffer the views are over (memory.grow replaces it). */
  buf?: ArrayBuffer;
  i8: Int8Array;
  i16: Int16Array;
  i32: Int32Array;
}

/** r with its views over the memory's current buffer. */
function views(r: Rec): Rec {
  if (r.buf !== r.mem.buffer) {
    const b = r.mem.buffer;
    r.buf = b;
    r.i8 = new Int8Array(b);
    r.i16 = new Int16Array(b);
    r.i32 = new Int32Array(b);
  }
  return r;
}

/** Ops share an instance until its memory passes this (bytes); an op larger than that gets its own (up to 1 GB; larger ones are left to the core). */
const SHARE = 1 << 24;

/**
 * The kernel set over the module's bytes (base64). The module is validated and compiled at the
 * first op offered, once.
 */
export function wasmKernels(src: string): Fast {
  // undefined: not tried yet; null: no WebAssembly / SIMD here
  let mod: object | null | undefined;
  // the export names, out of the minifier's reach (it renames properties)
  const names = "pack,conv,dw".split(",");
  let cur: Rec | undefined;

  /** `bytes` of memory for one op (at a 16-byte aligned offset `at` of instance r), or undefined. */
  function place(bytes: number): { r: Rec; at: number } | undefined {
    if (mod === undefined) {
      mod = null;
      if (typeof WebAssembly !== "undefined" && typeof E === "undefined") {
        try {
          const b = unb64(src);
          if (WebAssembly.validate(b)) mod = new WebAssembly.Module(b);
        } catch (_) {
          mod = null;
        }
      }
    }
    // (offsets stay below 2^31: the glue's index arithmetic is int32)
    if (!mod || bytes > 1 << 30) return undefined;
    try {
      if (!cur || (cur.top > 0 && cur.top + bytes > SHARE)) {
        const ins = new WebAssembly.Instance(mod, {});
        const ex = ins.exports as unknown as Record<string, Fn>;
        const f: Fn[] = [];
        for (let i = 0; i < names.length; i++) f.push(ex[names[i] as string] as Fn);
        const e8 = new Int8Array(0);
        cur = {
          mem: ins.exports.memory,
          f: f,
          top: 0,
          i8: e8,
          i16: new Int16Array(0),
          i32: new Int32Array(0),
        };
      }
      const at = cur.top;
      const end = al(at + bytes);
      const more = end - cur.mem.buffer.byteLength;
      if (more > 0) cur.mem.grow((more + 65535) >>> 16);
      cur.top = end;
      return { r: views(cur), at: at };
    } catch (_) {
      return undefined;
    }
  }

  /**
   * An op's bytes in the shared memory, from its first byte q: the requantization parameters
   * (putQ; f its result), w (the weights, wBytes), xr (x as it is), xp (x padded, xpBytes) and y
   * (ny); y follows xp, so the up to 3 values a kernel reads past a run's end stay inside the
   * memory. undefined when there is no room.
   */
  function region(g: Geom, wBytes: number, xpBytes: number, ny: number, perm: boolean) {
    const w0 = 48 + ((g.OC + 7) & ~7) * 40;
    const xr0 = w0 + wBytes;
    const xp0 = al(xr0 + g.x.length + 16);
    const y0 = al(xp0 + xpBytes);
    const P = place(y0 + ny + 16);
    const f = P ? putQ(P.r.i32, P.at, g, perm) : -1;
    if (!P || f < 0) return undefined;
    const q = P.at;
    return { R: P.r, f: f, q: q, w: q + w0, xr: q + xr0, xp: q + xp0, y: q + y0 };
  }

  /**
   * CONV_2D, or (mm) FULLY_CONNECTED / 1x1 stride-1 CONV_2D as KH = KW = 1 over one row of
   * N*H*IW pixels. Output channels padded to OC8 (a multiple of 8); each filter row is nr runs of
   * n input values (dilation 1: one run of KW*C, else KW runs of C), P2 pairs a run (even).
   */
  function conv(g: Geom, mm: boolean): Eval | undefined {
    if (!sane(g, g.OC * g.KH * g.KW * g.C)) return undefined;
    const C = g.C;
    const OC = g.OC;
    const KH = g.KH;
    const KW = g.KW;
    const N = mm ? 1 : g.N;
    const H = mm ? 1 : g.H;
    const W = mm ? g.N * g.H * g.IW : g.IW;
    const OH = mm ? 1 : g.OH;
    const OW = mm ? W : g.OW;
    const ph = mm ? 0 : g.ph;
    const pw = mm ? 0 : g.pw;
    const pixB = 2 * C;
    const OC8 = (OC + 7) & ~7;
    const Hp = Math.max(H + ph, (OH - 1) * g.sh + (KH - 1) * g.dh + 1);
    const Wp = Math.max(W + pw, (OW - 1) * g.sw + (KW - 1) * g.dw + 1);
    const rowB = Wp * pixB;
    const imgB = Hp * rowB;
    const one = g.dw === 1;
    const n = one ? KW * C : C;
    const nr = one ? 1 : KW;
    const P2 = ((n + 3) >> 2) << 1;
    const wblk = KH * nr * P2 * 32;
    const ny = N * OH * OW * OC;
    const G = region(g, (OC8 >> 3) * wblk, N * imgB, ny, false);
    if (!G) return undefined;
    const { R, f, q, w, xr, xp, y } = G;
    const i16 = R.i16;
    const wt = g.w;
    const wz = g.wz;
    for (let k = 0; k < OC; k++)
      for (let ky = 0; ky < KH; ky++)
        for (let kx = 0; kx < KW; kx++)
          for (let c = 0; c < C; c++) {
            const e = one ? kx * C + c : c;
            i16[
              (w >> 1) +
                ((((k >> 3) * KH + ky) * nr + (one ? 0 : kx)) * P2 + (e >> 1)) * 16 +
                (k & 7) * 2 +
                (e & 1)
            ] = (wt[((k * KH + ky) * KW + kx) * C + c] as number) + wz;
          }
    const pack = R.f[0] as Fn;
    const run = R.f[1] as Fn;
    const x = g.x;
    const out = g.y;
    const off = g.off;
    const pad = (ph * Wp + pw) * pixB;
    const runB = P2 * 4;
    const rs = one ? 0 : g.dw * pixB;
    const rowStep = g.sh * rowB;
    const colB = g.sw * pixB;
    const dhB = g.dh * rowB;
    return () => {
      const i8 = views(R).i8;
      i8.set(x, xr);
      pack(xr, xp, N, H, W, C, 1, off, pad, rowB, imgB, pixB);
      run(xp, rowStep, colB, runB, nr, rs, dhB, KH, N, imgB, OH, OW, w, wblk, q, OC8, OC, y, f);
      out.set(i8.subarray(y, y + ny));
    };
  }

  return {
    conv: (g: Geom) => conv(g, false),
    mm: (g: Geom) => conv(g, true),
    /** DEPTHWISE_CONV_2D: the input padded to OC8 channels, each input channel repeated M times. */
    dw: (g: Geom): Eval | undefined => {
      if (!sane(g, g.KH * g.KW * g.OC) || g.OC % g.C) return undefined;
      const C = g.C;
      const OC = g.OC;
      const KH = g.KH;
      const KW = g.KW;
      const N = g.N;
      const OC8 = (OC + 7) & ~7;
      const pixB = 2 * OC8;
      const Hp = Math.max(g.H + g.ph, (g.OH - 1) * g.sh + (KH - 1) * g.dh + 1);
      const Wp = Math.max(g.IW + g.pw, (g.OW - 1) * g.sw + (KW - 1) * g.dw + 1);
      const rowB = Wp * pixB;
      const imgB = Hp * rowB;
      const ny = N * g.OH * g.OW * OC;
      const G = region(g, KH * KW * 2 * pixB, N * imgB, ny, true);
      if (!G) return undefined;
      const { R, f, q, w, xr, xp, y } = G;
      const i16 = R.i16;
      const wt = g.w;
      for (let t = 0; t < KH * KW; t++)
        // per tap, per block of 8 channels: the even channels' weights (odd lanes 0), then the odd ones'
        for (let k = 0; k < OC; k++)
          i16[(w >> 1) + t * 2 * OC8 + (k >> 3) * 16 + (k & 1) * 8 + (k & 7)] = wt[t * OC + k] as number;
      const pack = R.f[0] as Fn;
      const run = R.f[2] as Fn;
      const x = g.x;
      const out = g.y;
      const M = (OC / C) >> 0;
      const pad = (g.ph * Wp + g.pw) * pixB;
      const rowStep = g.sh * rowB;
      const colB = g.sw * pixB;
      const dhB = g.dh * rowB;
      const dwB = g.dw * pixB;
      return () => {
        const i8 = views(R).i8;
        i8.set(x, xr);
        pack(xr, xp, N, g.H, g.IW, C, M, g.off, pad, rowB, imgB, pixB);
        run(xp, rowStep, colB, dhB, dwB, KH, KW, N, imgB, g.OH, g.OW, w, 2 * pixB, q, OC8, OC, y, f);
        out.set(i8.subarray(y, y + ny));
      };
    },
  };
}
