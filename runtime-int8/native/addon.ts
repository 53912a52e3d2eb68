/**
 * The native add-on's glue (ES5 once built; dist/edgeq-rt-native.min.js): the Fast kernel set
 * (conv, dw, mm, pool) over the Thumb-2 blob of kernels.c, called through Espruino's E.nativeCall, one
 * call per layer. Every kernel returns undefined (the core runs the op) unless:
 *  - the interpreter has E.nativeCall, E.getAddressOf and E.CRC32, and the board is a Cortex-M4
 *    one (process.env.BOARD in BOARDS) or the global EDGEQ_NATIVE is set (another ARMv7E-M
 *    board, or the ARM Linux build under qemu-arm in the tests);
 *  - every dim, stride, dilation, padding and zero point is a small non-negative integer (so no
 *    index in kernels.c can overflow int32) and x, y, w hold at least what the geometry reads or
 *    writes (so the C code never indexes outside its arrays);
 *  - every multiplier is in [0, 2^31) and every shift in [-31, 31] (the runtime's own domain);
 *  - x, y (the arena), the weights (in place, e.g. in memory-mapped flash, else copied once to a
 *    flat array) and the op's parameter block are flat and 4-byte aligned (E.getAddressOf(v,
 *    true) non-zero, % 4 == 0).
 * The blob's CRC32 is checked once, before its first call (a mismatch is an error at load).
 * Addresses are taken at load: Espruino never moves a flat string (E.nativeCall relies on it too).
 */
import type { Fast } from "../src/index.js";
import { BLOB, BLOB_BYTES, BLOB_CRC32, ENTRY } from "./blob.generated.js";

/** The core's geometry and prepared-op types, through the Fast interface it exports. */
export type Geom = Parameters<Fast["conv"]>[0];
export type Eval = NonNullable<ReturnType<Fast["conv"]>>;

/** The blob's entry: (kind, address of the parameter block) -> kind, or -1. */
export type Run = (kind: number, params: number) => number;

/** What the add-on needs from Espruino's E. */
export interface Natives {
  nativeCall?: (addr: number, sig: string, code: string) => Run;
  getAddressOf?: (v: object, flat: boolean) => number;
  CRC32?: (s: string) => number;
}
declare const E: Natives | undefined;
declare const process: { env?: { BOARD?: string } } | undefined;
declare const EDGEQ_NATIVE: unknown;
declare function atob(s: string): string;

/** Espruino boards with a Cortex-M4(F) (process.env.BOARD), from boards/records. */
const BOARDS = " BANGLEJS BANGLEJS2 JOLTJS MDBT42Q PICO_R1_3 PIXLJS PUCKJS ESPRUINOWIFI ";

/** Words of the parameter block's header (P_HDR in kernels.c). */
const HDR = 23;
/** Bound of every index and extent (kernels.c computes them in int32). */
const LIM = 1073741824;

let run: Run | undefined;
/** The E that run came from (a new E, as in the tests' stand-ins, gets its own). */
let runE: Natives | undefined;

/** E when the add-on can run here, else undefined (read at every prepare). */
function natives(): Natives | undefined {
  const N = typeof E < "u" ? E : undefined;
  if (!N || !N.nativeCall || !N.getAddressOf || !N.CRC32) return;
  const env = typeof process < "u" && process ? process.env : undefined;
  const board = env ? env.BOARD : "";
  if ((typeof EDGEQ_NATIVE < "u" && EDGEQ_NATIVE) || BOARDS.indexOf(" " + board + " ") >= 0) return N;
}

/** The blob's entry, made once; its CRC32 checked first. */
function start(N: Natives): Run {
  if (!run || runE !== N) {
    const code = atob(BLOB);
    if (code.length !== BLOB_BYTES || (N.CRC32 as (s: string) => number)(code) >>> 0 !== BLOB_CRC32)
      throw new Error(
        "edgeqrt: native add-on: the blob's CRC32 does not match (a damaged edgeq-rt-native file)",
      );
    run = (N.nativeCall as (a: number, s: string, c: string) => Run)(ENTRY | 1, "int(int,int)", code);
    runE = N;
  }
  return run;
}

/** v's data address if v is flat and 4-byte aligned, else 0. */
function addr(N: Natives, v: object): number {
  const a = (N.getAddressOf as (v: object, f: boolean) => number)(v, true);
  return a && !(a & 3) ? a : 0;
}

/**
 * A flat, 4-byte aligned array of n elements of A (es bytes each; Espruino has no BYTES_PER_ELEMENT),
 * or undefined: 4 bytes of slack, and at least 64 bytes (a flat string on Espruino).
 */
function flat(
  N: Natives,
  A: typeof Int32Array | typeof Int8Array,
  n: number,
  es: number,
): Int32Array | Int8Array | undefined {
  const bytes = new Uint8Array(n * es + 64);
  const a = (N.getAddressOf as (v: object, f: boolean) => number)(bytes, true);
  if (!a) return;
  const v = new A(bytes.buffer, (4 - (a & 3)) & 3, n);
  return addr(N, v) && inside(v) ? v : undefined;
}

/** Whether view v lies inside its buffer (Espruino makes views past a buffer's end without complaint). */
function inside(v: {
  buffer: { byteLength: number };
  byteOffset: number;
  byteLength: number;
  length: number;
}): boolean {
  return v.byteOffset >= 0 && v.byteOffset + v.byteLength <= v.buffer.byteLength && v.byteLength >= v.length;
}

/** A non-negative integer below lim. */
function small(v: number, lim: number): boolean {
  return v >= 0 && v < lim && v === (v | 0);
}

/**
 * The prepared op of kind 0 (CONV_2D), 1 (DEPTHWISE_CONV_2D) or 2 (FULLY_CONNECTED / 1x1
 * stride-1 CONV_2D), or undefined to leave it to the core.
 */
function prep(g: Geom, kind: number): Eval | undefined {
  const N = natives();
  if (!N) return;
  const OC = g.OC;
  const C = g.C;
  const geo = [g.N, g.H, g.IW, C, g.KH, g.KW, OC, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw];
  for (let i = geo.length; i--; ) if (!small((geo[i] as number) - 1, 65535)) return;
  if (!small(g.ph, 65536) || !small(g.pw, 65536)) return;
  if (!small(g.off + 256, 513) || !small(g.wz + 256, 513)) return;
  if (!small(g.yz + 128, 256) || !small(g.lo + 128, 256) || !small(g.hi + 128, 256)) return;
  // element counts (exact as doubles) and window extents, all below 2^30
  const nx = g.N * g.H * g.IW * C;
  const ny = g.N * g.OH * g.OW * OC;
  const taps = g.KH * g.KW;
  const nw = kind === 1 ? taps * OC : OC * taps * C;
  if (
    !(nx < LIM && ny < LIM && nw < LIM) ||
    (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + g.ph >= LIM ||
    (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + g.pw >= LIM ||
    !inside(g.x) ||
    !inside(g.y) ||
    !inside(g.w) ||
    g.x.length < nx ||
    g.y.length < ny ||
    g.w.length < nw ||
    g.b.length < OC ||
    g.m.length < OC ||
    (kind === 1 ? OC % C : 0)
  )
    return;
  // kernels.c reads a 1x1 window without padding in place: every such pixel inside x
  const direct = kind !== 1 && taps === 1 && !g.ph && !g.pw;
  if (direct && ((g.OH - 1) * g.sh >= g.H || (g.OW - 1) * g.sw >= g.IW)) return;
  for (let k = OC; k--; ) {
    const m = g.m[k] as number;
    if (!small(m, 2147483648) || !small(g.l[k] as number, 32) || !small(g.r[k] as number, 32)) return;
  }
  const ax = addr(N, g.x);
  const ay = addr(N, g.y);
  if (!ax || !ay) return;
  // depthwise: in place (y shares x's bytes) one channel at a time (kind 1), else by pixels (kind 4)
  if (kind === 1 && (ay >= ax + nx || ax >= ay + ny)) kind = 4;
  // scratch bytes: one output plane (1), the accumulators (4), a gathered window (0, 2)
  const scratch = kind === 1 ? g.OH * g.OW : kind === 4 ? 4 * OC : direct ? 0 : taps * C;
  if (scratch > 65536) return;
  const words = HDR + 3 * OC + ((scratch + 3) >> 2);
  // (the blob first: the op's parameter block, written by the kernel, comes after its code)
  const f = start(N);
  const p = flat(N, Int32Array, words, 4);
  const w = addr(N, g.w) ? g.w : (flat(N, Int8Array, nw, 1) as Int8Array | undefined);
  if (!p || !w) return;
  if (w !== g.w) w.set(g.w.subarray(0, nw));
  const head = [ax, addr(N, w), ay].concat(geo, [g.ph, g.pw, g.off, g.wz, g.yz, g.lo, g.hi]);
  for (let i = HDR; i--; ) p[i] = head[i] as number;
  for (let k = OC; k--; ) {
    p[HDR + k] = g.b[k] as number;
    p[HDR + OC + k] = g.m[k] as number;
    p[HDR + 2 * OC + k] = (g.l[k] as number) - (g.r[k] as number);
  }
  const pa = addr(N, p);
  // (conv and mm: constant terms folded into the biases, once)
  if (kind !== 1 && kind !== 4) f(3, pa);
  return () => {
    f(kind, pa);
  };
}

/**
 * The prepared AVERAGE_POOL_2D (max false: kind 5) or MAX_POOL_2D (kind 6), or undefined to leave
 * it to the core. Parameter block: the header (no weights), then C int32 accumulators.
 */
function prepPool(g: Geom, max: boolean): Eval | undefined {
  const N = natives();
  if (!N) return;
  const C = g.C;
  const geo = [g.N, g.H, g.IW, C, g.KH, g.KW, g.OC, g.OH, g.OW, g.sh, g.sw, 1, 1];
  for (let i = geo.length; i--; ) if (!small((geo[i] as number) - 1, 65535)) return;
  if (g.OC !== C || !small(g.ph, 65536) || !small(g.pw, 65536)) return;
  if (!small(g.lo + 128, 256) || !small(g.hi + 128, 256)) return;
  const nx = g.N * g.H * g.IW * C;
  const ny = g.N * g.OH * g.OW * C;
  // (a window under 2^24 taps: the sum of its int8 values stays below 2^31)
  if (
    !(nx < LIM && ny < LIM && g.KH * g.KW < 16777216) ||
    (g.OH - 1) * g.sh + g.KH + g.ph >= LIM ||
    (g.OW - 1) * g.sw + g.KW + g.pw >= LIM ||
    !inside(g.x) ||
    !inside(g.y) ||
    g.x.length < nx ||
    g.y.length < ny
  )
    return;
  const ax = addr(N, g.x);
  const ay = addr(N, g.y);
  const p = flat(N, Int32Array, HDR + C, 4);
  if (!ax || !ay || !p) return;
  const head = [ax, 0, ay].concat(geo, [g.ph, g.pw, 0, 0, 0, g.lo, g.hi]);
  for (let i = HDR; i--; ) p[i] = head[i] as number;
  const f = start(N);
  const pa = addr(N, p);
  const kind = max ? 6 : 5;
  return () => {
    f(kind, pa);
  };
}

/** The Fast kernel set (conv, dw, mm, pool) over the native blob. */
export function nativeKernels(): Fast {
  return {
    conv: (g) => prep(g, 0),
    dw: (g) => prep(g, 1),
    mm: (g) => prep(g, 2),
    pool: prepPool,
  };
}
