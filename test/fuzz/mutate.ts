/**
 * Seeded mutations of .tflite files for the reader's fuzz tests: truncations, bit flips,
 * corrupted offsets / vtables / vector lengths (aimed at the structures the reader really
 * visits), huge vector counts, byte splices. Plus `checkOne`, which parses a mutant and
 * classifies the outcome.
 */
import { EdgeqError } from "../../toolchain/errors.js";
import { inspectModel, renderInspect } from "../../toolchain/tflite/inspect.js";
import { readTflite } from "../../toolchain/tflite/read.js";

export interface Landmarks {
  table: number[];
  vtable: number[];
  offset: number[];
  vector: number[];
}

/** Positions of every table, vtable, offset and vector the reader visits in a valid file. */
export function landmarks(bytes: Uint8Array): Landmarks {
  const lm: Landmarks = { table: [], vtable: [], offset: [], vector: [] };
  const seen = new Set<string>();
  readTflite(bytes, {
    trace: (kind, pos) => {
      const k = `${kind}:${pos}`;
      if (seen.has(k)) return;
      seen.add(k);
      lm[kind].push(pos);
    },
  });
  return lm;
}

export const MUTATIONS = [
  "truncate",
  "bitflip",
  "offset",
  "vector-count",
  "huge-count",
  "vtable",
  "soffset",
  "u32-random",
  "splice",
  "zero-run",
  "append",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

const SPECIAL = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function setU32(b: Uint8Array, pos: number, v: number): void {
  if (pos < 0 || pos + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(pos, v >>> 0, true);
}

function setU16(b: Uint8Array, pos: number, v: number): void {
  if (pos < 0 || pos + 2 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(pos, v & 0xffff, true);
}

/** One seeded mutation of `orig` (never modifies it). */
export function mutate(
  orig: Uint8Array,
  lm: Landmarks,
  r: () => number,
  kind: Mutation = pick(r, MUTATIONS),
): Uint8Array {
  const n = orig.length;
  const b = orig.slice();
  const any = () => Math.floor(r() * n);
  const value = () => (r() < 0.5 ? pick(r, SPECIAL) : Math.floor(r() * 2 ** 32));
  switch (kind) {
    case "truncate":
      return orig.slice(0, Math.floor(r() * n));
    case "bitflip": {
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips; i++) {
        const p = any();
        b[p] = b[p]! ^ (1 << Math.floor(r() * 8));
      }
      return b;
    }
    case "offset": {
      const p = pick(r, lm.offset);
      const old = new DataView(b.buffer).getUint32(p, true);
      const deltas = [value(), old + 4, old - 4, old + 1, n - p, n - p - 2, 2 * n];
      setU32(b, p, pick(r, deltas));
      return b;
    }
    case "vector-count": {
      const p = pick(r, lm.vector);
      const old = new DataView(b.buffer).getUint32(p, true);
      setU32(b, p, pick(r, [old + 1, old * 2 + 1, Math.floor(n / 4), Math.floor(n / 8), value()]));
      return b;
    }
    case "huge-count":
      setU32(b, pick(r, lm.vector), pick(r, [0x7fffffff, 0xffffffff, 0x40000000, 0x10000000, 1e6, 1e8]));
      return b;
    case "vtable": {
      const vt = pick(r, lm.vtable);
      const slot = vt + 2 * Math.floor(r() * 12);
      setU16(b, slot, pick(r, [0, 1, 2, 3, 0xffff, 0x8000, Math.floor(r() * 0x10000), Math.floor(r() * 64)]));
      return b;
    }
    case "soffset": {
      const t = pick(r, lm.table);
      setU32(b, t, pick(r, [value(), -4, 4, t + 1, t - n, -(n - t)]));
      return b;
    }
    case "u32-random":
      setU32(b, any() & ~3, value());
      return b;
    case "splice": {
      const len = 1 + Math.floor(r() * 64);
      const from = any();
      const to = any();
      b.set(orig.subarray(from, Math.min(n, from + len)).subarray(0, Math.max(0, n - to)), to);
      return b;
    }
    case "append": {
      const extra = new Uint8Array(1 + Math.floor(r() * 64)).map(() => Math.floor(r() * 256));
      const out = new Uint8Array(n + extra.length);
      out.set(orig);
      out.set(extra, n);
      return out;
    }
    case "zero-run": {
      const len = 1 + Math.floor(r() * 32);
      const p = any();
      b.fill(r() < 0.5 ? 0 : 0xff, p, Math.min(n, p + len));
      return b;
    }
  }
}

export type Outcome = "parsed" | "edgeq-error" | "crash" | "slow";

/** Runs a mutant through everything `edgeq inspect` does (read, checkGraph, graphCost, render). */
export function checkOne(bytes: Uint8Array): {
  outcome: Outcome;
  ms: number;
  detail?: string;
  code?: string;
} {
  const t0 = performance.now();
  let outcome: Outcome = "parsed";
  let detail: string | undefined;
  let code: string | undefined;
  try {
    const r = inspectModel(bytes, "mutant");
    renderInspect(r);
    JSON.stringify(r);
  } catch (e) {
    if (e instanceof EdgeqError) {
      outcome = "edgeq-error";
      code = e.code;
    } else {
      outcome = "crash";
      detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
    }
  }
  const ms = performance.now() - t0;
  if (outcome !== "crash" && ms > 1000) outcome = "slow";
  return { outcome, ms, ...(detail ? { detail } : {}), ...(code ? { code } : {}) };
}
