/**
 * Regenerates test/runtime/golden/tflm-math-ops.json: the outputs of TFLite Micro's own int8
 * reference kernels for LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, PRELU and SUB over seeded random
 * quantization parameters (every int8 input for each), the truth the runtime's kernels are
 * compared with in test/runtime/math-ops.test.ts.
 *
 *   npx tsx test/runtime/golden/tflm-math-ops.gen.ts TFLITE_MICRO_DIR GEMMLOWP_DIR
 *
 * TFLITE_MICRO_DIR: a checkout of github.com/tensorflow/tflite-micro; GEMMLOWP_DIR: one of
 * github.com/google/gemmlowp (fixedpoint/). Needs g++. The harness (tflm-math-ops.cc) includes
 * TFLM's kernel headers and compiles common.cc and quantization_util.cc; ruy's profiler header
 * (instrumentation only, no arithmetic) is replaced by an empty ScopeLabel. The commit hashes of
 * both checkouts are recorded in the JSON.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { prng } from "../gen.js";

const here = dirname(fileURLToPath(import.meta.url));

/** One golden case: the op, its parameters as the harness reads them, and TFLM's int8 outputs (base64), or null when TFLM's Prepare rejects it. */
export interface GoldenCase {
  op: "LOGISTIC" | "TANH" | "HARD_SWISH" | "LEAKY_RELU" | "PRELU" | "SUB";
  /** Scales (float32 values) and zero points, in the order of the harness line (see tflm-math-ops.cc). */
  params: number[];
  /** PRELU: alpha values; SUB: the second input's values (the first input takes all 256 int8 values). */
  values?: number[];
  /** Outputs as int8 bytes, base64: [x (256), value (values.length)] row-major; null when rejected. */
  out: string | null;
}

export interface Golden {
  tfliteMicro: string;
  gemmlowp: string;
  cases: GoldenCase[];
}

function cases(): GoldenCase[] {
  const r = prng(2026);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const logU = (lo: number, hi: number) => Math.fround(10 ** (lo + (hi - lo) * r()));
  const zp = () => int(-128, 127);
  const out: GoldenCase[] = [];
  // input scales: mostly what converters give (1e-3..0.5), some down to 1e-6 and up to 20
  const inScale = (i: number) => (i % 8 === 0 ? logU(-6, -3) : i % 8 === 1 ? logU(0, 1.3) : logU(-3, -0.3));
  for (let i = 0; i < 48; i++) out.push({ op: "LOGISTIC", params: [inScale(i), zp()], out: null });
  for (let i = 0; i < 48; i++) out.push({ op: "TANH", params: [inScale(i), zp()], out: null });
  for (let i = 0; i < 64; i++) {
    const sx = inScale(i);
    // output scale 0.2..5x the input's (and a few rejected: multiplier exponent > 0)
    const sy = i % 16 === 3 ? Math.fround(sx / 200) : Math.fround(sx * logU(-0.7, 0.7));
    out.push({ op: "HARD_SWISH", params: [sx, zp(), sy, zp()], out: null });
  }
  const alphas = [0.01, 0.1, 0.2, 0.3, 0.5, 0.99, 0, 1.7, -0.25];
  for (let i = 0; i < 48; i++) {
    const sx = inScale(i);
    const alpha = Math.fround(i < alphas.length ? (alphas[i] as number) : logU(-3, 0));
    out.push({
      op: "LEAKY_RELU",
      params: [sx, zp(), Math.fround(sx * logU(-0.7, 0.5)), zp(), alpha],
      out: null,
    });
  }
  for (let i = 0; i < 24; i++) {
    const sx = inScale(i);
    const values = [int(-128, 127), int(-128, 127), 0, int(-20, 20)];
    out.push({
      op: "PRELU",
      params: [sx, zp(), logU(-4, -1), zp(), Math.fround(sx * logU(-0.7, 0.5)), zp()],
      values,
      out: null,
    });
  }
  for (let i = 0; i < 32; i++) {
    const s1 = inScale(i);
    const s2 = i % 4 === 0 ? s1 : Math.fround(s1 * logU(-1, 1));
    const so = Math.fround(Math.max(s1, s2) * logU(-0.3, 0.8));
    const values = [int(-128, 127), int(-128, 127), -128, 127];
    out.push({
      op: "SUB",
      params: [s1, zp(), s2, zp(), so, zp(), [0, 0, 1, 3][i % 4] as number],
      values,
      out: null,
    });
  }
  out.push(...subMultiplierCases(r));
  return out;
}

/** QuantizeMultiplier (frexp, Q31 rounded half away from zero) for d > 0: [multiplier, shift]. */
function quantizeMultiplier(d: number): [number, number] {
  let e = 0;
  for (; d >= 1; e++) d /= 2;
  for (; d < 0.5; e--) d *= 2;
  const m = Math.round(d * 2 ** 31);
  return m === 2 ** 31 ? [m / 2, e + 1] : [m, e];
}

/** MultiplyByQuantizedMultiplier (two roundings, as TFLite Micro's common.cc), in BigInt. */
function multiply(x: number, [m, shift]: [number, number]): number {
  const ab = BigInt(x * 2 ** Math.max(shift, 0)) * BigInt(m);
  const high = (ab + (ab >= 0n ? 1n << 30n : 1n - (1n << 30n))) / (1n << 31n);
  const r = BigInt(Math.max(-shift, 0));
  if (!r) return Number(high);
  const mask = (1n << r) - 1n;
  const rem = high & mask;
  return Number((high >> r) + (rem > (mask >> 1n) + (high < 0n ? 1n : 0n) ? 1n : 0n));
}

/** SUB (activation NONE) of int8 a, b with multipliers qs (a's, b's, the output's) and zero points zs. */
function subValue(qs: [number, number][], zs: number[], a: number, b: number): number {
  const raw = multiply((a - zs[0]!) * 2 ** 20, qs[0]!) - multiply((b - zs[1]!) * 2 ** 20, qs[1]!);
  return Math.min(127, Math.max(-128, multiply(raw, qs[2]!) + zs[2]!));
}

/**
 * A SUB case's outputs (activation NONE) with TFLite's double multiplier quotients instead of TFLite
 * Micro's float32 ones, in the golden layout ([a (256), b (values)]).
 */
export function subWithDoubleMultipliers(c: GoldenCase): Int8Array {
  const [s1, z1, s2, z2, so, zo] = c.params as number[];
  const twice = 2 * Math.max(s1!, s2!);
  const qs = [s1! / twice, s2! / twice, twice / (2 ** 20 * so!)].map(quantizeMultiplier);
  const values = c.values ?? [];
  const out = new Int8Array(256 * values.length);
  for (let a = 0; a < 256; a++)
    values.forEach((b, j) => {
      out[a * values.length + j] = subValue(qs, [z1!, z2!, zo!], a - 128, b);
    });
  return out;
}

/**
 * SUB parameter sets (found by a seeded search) where TFLite Micro's float32 multiplier quotients
 * (sub_common.cc) and TFLite's double ones give a different byte for some input pair; values holds
 * that pair's second input, so the golden bytes tell which rounding a kernel follows.
 */
function subMultiplierCases(r: () => number): GoldenCase[] {
  const f = Math.fround;
  const zp = () => Math.floor(r() * 256) - 128;
  const out: GoldenCase[] = [];
  for (let t = 0; t < 100000 && out.length < 4; t++) {
    const s1 = f(10 ** (-3 + 2.5 * r()));
    const s2 = f(s1 * 10 ** (2 * r() - 1));
    const so = f(Math.max(s1, s2) * 10 ** (r() - 0.3));
    const [z1, z2, zo] = [zp(), zp(), zp()];
    const twice = 2 * Math.max(s1, s2);
    const asFloat = [f(s1 / twice), f(s2 / twice), f(twice / f(2 ** 20 * so))].map(quantizeMultiplier);
    const asDouble = [s1 / twice, s2 / twice, twice / (2 ** 20 * so)].map(quantizeMultiplier);
    if (asFloat.every((q, k) => q[0] === asDouble[k]![0] && q[1] === asDouble[k]![1])) continue;
    const value = (qs: [number, number][], a: number, b: number) =>
      Math.min(
        127,
        Math.max(
          -128,
          multiply(multiply((a - z1) * 2 ** 20, qs[0]!) - multiply((b - z2) * 2 ** 20, qs[1]!), qs[2]!) + zo,
        ),
      );
    search: for (let b = -128; b < 128; b++)
      for (let a = -128; a < 128; a++)
        if (value(asFloat, a, b) !== value(asDouble, a, b)) {
          out.push({ op: "SUB", params: [s1, z1, s2, z2, so, zo, 0], values: [b, -128, 0, 127], out: null });
          break search;
        }
  }
  return out;
}

function line(c: GoldenCase): string {
  // zero points (and integer-valued scales / alphas) as integers, other float32 values with 9 digits (exact round trip)
  const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(9));
  const v = c.values ? [c.values.length, ...c.values] : [];
  return [c.op, ...c.params.map(num), ...v.map(String)].join(" ");
}

function main(): void {
  const [tflm, gemmlowp] = process.argv.slice(2);
  const usage =
    "usage: tsx test/runtime/golden/tflm-math-ops.gen.ts TFLITE_MICRO_DIR GEMMLOWP_DIR\n" +
    "  writes test/runtime/golden/tflm-math-ops.json: TFLite Micro's reference kernels (compiled with\n" +
    "  g++ from those checkouts) on seeded parameter sets; TFLM_COMMIT / GEMMLOWP_COMMIT name the\n" +
    "  commits when the directories are exported trees, not git checkouts\n";
  if (tflm === "--help" || tflm === "-h") {
    process.stdout.write(usage);
    return;
  }
  if (!tflm || !gemmlowp) {
    process.stderr.write(usage);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "tflm-golden-"));
  try {
    mkdirSync(join(dir, "ruy/profiler"), { recursive: true });
    writeFileSync(
      join(dir, "ruy/profiler/instrumentation.h"),
      "#pragma once\nnamespace ruy { namespace profiler { struct ScopeLabel { template <typename... A> explicit ScopeLabel(A...) {} }; } }\n",
    );
    const bin = join(dir, "harness");
    const k = join(tflm, "tensorflow/lite/kernels/internal");
    execFileSync("g++", [
      "-std=c++17",
      "-O1",
      "-DTF_LITE_STATIC_MEMORY",
      "-I",
      tflm,
      "-I",
      gemmlowp,
      "-I",
      dir,
      join(here, "tflm-math-ops.cc"),
      join(k, "common.cc"),
      join(k, "quantization_util.cc"),
      "-o",
      bin,
    ]);
    const cs = cases();
    const stdout = execFileSync(bin, {
      input: `${cs.map(line).join("\n")}\n`,
      maxBuffer: 1 << 28,
    }).toString();
    const rows = stdout.trimEnd().split("\n");
    if (rows.length !== cs.length) throw new Error(`harness gave ${rows.length} rows for ${cs.length} cases`);
    cs.forEach((c, i) => {
      const row = rows[i] as string;
      c.out =
        row === "reject"
          ? null
          : Buffer.from(Int8Array.from(row.split(" ").map(Number)).buffer).toString("base64");
    });
    // the checkouts' commits (or, for an exported tree, TFLM_COMMIT / GEMMLOWP_COMMIT)
    const rev = (d: string, env: string) => {
      try {
        return execFileSync("git", ["-C", d, "rev-parse", "HEAD"], { stdio: "pipe" }).toString().trim();
      } catch {
        return process.env[env] ?? "unknown";
      }
    };
    const golden: Golden = {
      tfliteMicro: rev(tflm, "TFLM_COMMIT"),
      gemmlowp: rev(gemmlowp, "GEMMLOWP_COMMIT"),
      cases: cs,
    };
    const json = join(here, "tflm-math-ops.json");
    writeFileSync(json, `${JSON.stringify(golden)}\n`);
    // (in the repository's JSON style)
    execFileSync("npx", ["biome", "format", "--write", json], { stdio: "ignore" });
    process.stdout.write(
      `wrote ${cs.length} cases (${cs.filter((c) => !c.out).length} rejected by TFLM's Prepare)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
