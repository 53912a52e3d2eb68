/**
 * Runs models in the real Espruino interpreter built for ARM (../shared/espruino/espruino-arm)
 * under qemu-arm, with the built core bundle and the built native add-on, and reads back every
 * output's bytes and which ops the add-on took. Models and inputs go through files (Espruino's
 * fs module), one interpreter process for a batch of cases.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRuntime } from "../../runtime-int8/build.js";
import { buildNativeAddon } from "../../runtime-int8/native/build.js";

const here = dirname(fileURLToPath(import.meta.url));
export const ESPRUINO_ARM = resolve(here, "../../../shared/espruino/espruino-arm");

/** Whether qemu-arm and the ARM interpreter are here. */
export function haveQemu(): boolean {
  return existsSync(ESPRUINO_ARM) && spawnSync("qemu-arm", ["-version"]).status === 0;
}

let bundles: Promise<{ core: string; native: string }> | undefined;

/** The built core (minified) and native add-on (minified with the core's names), built once per process. */
export function builtBundles(): Promise<{ core: string; native: string }> {
  bundles ??= (async () => {
    const core = await buildRuntime();
    const native = await buildNativeAddon(core);
    return { core: core.min, native: native.min };
  })();
  return bundles;
}

export interface EspCase {
  bytes: Uint8Array;
  inputs: ArrayLike<number>[];
  /** Load the model from a (non-flat) string instead of a flat Uint8Array: the add-on must copy its weights. */
  fromString?: boolean;
}

export interface EspResult {
  /** Every output's bytes (as numbers, int8 or float), or the error message. */
  outputs?: number[][];
  error?: string;
  /** Ops the native add-on took (returned an Eval for). */
  taken: number;
  /** Ops offered to it. */
  offered: number;
  /** ms per invoke (the mean of `repeat` invokes). */
  ms?: number;
  /** "TYPE ms" per op (perOp). */
  opMs?: string[];
}

export interface EspOptions {
  /** Install the native add-on (default true). */
  native?: boolean;
  /** Invokes per case (timing); default 1. */
  repeat?: number;
  /** Load only (no invoke): for fuzzing loads of malformed models. */
  loadOnly?: boolean;
  timeoutMs?: number;
  /** Also run the interpreter's built-in TensorFlow Lite Micro on each case (ms per invoke into tflmMs). */
  tflm?: boolean;
  /** Also time each op once (invoke's onOp), into opMs. */
  perOp?: boolean;
}

const HARNESS = `
var fs = require("fs");
var NK = typeof edgeqrtNative !== "undefined" ? edgeqrtNative : undefined;
var offered = 0, taken = 0;
// the Linux build's variable pool grows on demand, and only when a plain allocation runs out (a flat
// string, e.g. a model's arena, is not flat when the pool has no contiguous room yet): grow it first,
// as a board has all its JsVars from boot
(function () { var grow = new Uint8Array(GROW_BYTES); grow[0] = 1; })();
function wrap(n) { return function (g) { offered++; var e = NK[n](g); if (e) taken++; return e; }; }
if (NK && USE_NATIVE) edgeqrt.use({ conv: wrap("conv"), dw: wrap("dw"), mm: wrap("mm"), pool: function (g, max) { offered++; var e = NK.pool(g, max); if (e) taken++; return e; } });
else edgeqrt.use({ conv: function () {}, dw: function () {}, mm: function () {}, pool: function () {} });
function b64(v) { return btoa(E.toString(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))); }
function runCase(i) {
  var c = CASES[i];
  offered = 0; taken = 0;
  var s = fs.readFileSync(DIR + "/m" + i + ".bin");
  var line = "R " + i + " ";
  try {
    var m = edgeqrt.load(c.str ? s : E.toUint8Array(s));
    var res = { taken: taken, offered: offered };
    for (var q = 0; q < c.ins.length; q++) if (!m.input(q) || m.input(q).length !== c.ins[q]) throw new Error("harness: input " + q + " size");
    if (!LOAD_ONLY) {
      var inp = E.toArrayBuffer(fs.readFileSync(DIR + "/i" + i + ".bin"));
      var fill = function () {
        var o = 0;
        for (var k = 0; k < c.ins.length; k++) {
          var v = m.input(k);
          v.set(new (v.constructor)(inp, o, c.ins[k]));
          o += v.byteLength;
        }
      };
      var t = 0;
      var per = m.ops.map(function () { return 0; }), tk = 0;
      var onOp = function (k) { var n = getTime(); per[k] += n - tk; tk = n; };
      for (var r = 0; r < REPEAT; r++) { fill(); var t0 = getTime(); m.invoke(); t += getTime() - t0; }
      if (PER_OP) { fill(); tk = getTime(); m.invoke(onOp); res.opMs = per.map(function (v, k) { return m.ops[k].type + " " + (v * 1000).toFixed(2); }); }
      res.ms = t * 1000 / REPEAT;
      res.outputs = m.outputs.map(function (_, k) { return b64(m.output(k)); });
      if (TFLM) {
        var tf = require("tensorflow").create(c.tflmArena, E.toFlatString(s));
        var tt = 0;
        for (var r2 = 0; r2 < REPEAT; r2++) { tf.getInput().set(new Int8Array(inp, 0, c.ins[0])); var t1 = getTime(); tf.invoke(); tt += getTime() - t1; }
        res.tflmMs = tt * 1000 / REPEAT;
        res.tflm = b64(tf.getOutput());
        tf = undefined;
      }
    }
    m = undefined;
    print(line + JSON.stringify(res));
  } catch (e) {
    print(line + JSON.stringify({ error: String(e && e.message || e), taken: taken, offered: offered }));
  }
}
for (var i = 0; i < CASES.length; i++) runCase(i);
print("DONE");
`;

/**
 * Runs the cases in one espruino-arm process. Returns one result per case (a case after a crash
 * of the interpreter gets { error: "crash: ..." }), and the interpreter's exit status.
 */
export async function runEspruino(
  cases: (EspCase & { tflmArena?: number })[],
  o: EspOptions = {},
): Promise<{ results: (EspResult & { tflmMs?: number; tflm?: number[] })[]; crashed: string }> {
  const b = await builtBundles();
  const dir = mkdtempSync(join(tmpdir(), "edgeq-native-esp-"));
  try {
    const meta = cases.map((c, i) => {
      writeFileSync(join(dir, `m${i}.bin`), c.bytes);
      const parts = c.inputs.map((x) => {
        const t = x as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
        return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
      });
      writeFileSync(join(dir, `i${i}.bin`), Buffer.concat(parts));
      return { str: !!c.fromString, ins: c.inputs.map((x) => x.length), tflmArena: c.tflmArena ?? 65536 };
    });
    const script = join(dir, "run.js");
    writeFileSync(
      script,
      [
        // (E.nativeCall on this ARM Linux build: the add-on needs to be told it is on ARMv7E-M)
        "var EDGEQ_NATIVE = true;",
        b.core,
        b.native,
        `var GROW_BYTES = ${Number(process.env.EDGEQ_NATIVE_GROW ?? 131072)}, DIR = ${JSON.stringify(dir)}, CASES = ${JSON.stringify(meta)}, USE_NATIVE = ${o.native !== false}, ` +
          `REPEAT = ${o.repeat ?? 1}, LOAD_ONLY = ${!!o.loadOnly}, TFLM = ${!!o.tflm}, PER_OP = ${!!o.perOp};`,
        HARNESS,
        "quit();",
      ].join("\n"),
    );
    const r = spawnSync("qemu-arm", [ESPRUINO_ARM, script], {
      encoding: "latin1",
      input: "",
      timeout: o.timeoutMs ?? 120000,
      killSignal: "SIGKILL",
      maxBuffer: 64 << 20,
    });
    const out = r.stdout ?? "";
    const results: (EspResult & { tflmMs?: number; tflm?: number[] })[] = cases.map(() => ({
      error: "crash: no result",
      taken: 0,
      offered: 0,
    }));
    for (const line of out.split(/\r?\n/)) {
      const m = /^R (\d+) (.*)$/.exec(line);
      if (!m) continue;
      const v = JSON.parse(m[2] as string) as EspResult & { outputs?: string[]; tflm?: string };
      const dec = (s: string) => Array.from(new Int8Array(Buffer.from(s, "base64")));
      results[Number(m[1])] = {
        ...v,
        outputs: v.outputs?.map(dec) as number[][] | undefined,
        tflm: v.tflm === undefined ? undefined : dec(v.tflm),
      } as EspResult & { tflmMs?: number; tflm?: number[] };
    }
    const done = /^DONE\r?$/m.test(out);
    const crashed = done
      ? ""
      : `exit ${r.status} signal ${r.signal} ${r.error ?? ""} ${(r.stderr ?? "").slice(-300)} ${out.slice(-300)}`;
    return { results, crashed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
