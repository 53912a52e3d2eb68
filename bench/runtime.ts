/**
 * runtime-int8 benchmark: ms per inference of edgeq's int8 runtime (the built, minified ES5
 * bundle, run in Node) vs native TFLite 2.9 (tfjs-tflite-node, 1 thread) vs TFLite-WASM
 * (@tensorflow/tfjs-tflite SIMD + XNNPACK, 1 thread) on MobileNet-v1 0.25 96x96x1 (random
 * weights, written with the writer) and micro_speech; arena bytes vs a naive plan (sum of all
 * activations) and a TFLite-Micro-style greedy plan (16-byte aligned, no in-place); bundle
 * bytes; and the Espruino path (E.convolve + E.sum) vs plain loops, with a JS stand-in for
 * E.convolve (Node has no Espruino natives, so this measures the code path, not the speed-up).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildRuntime } from "../runtime-int8/build.js";
import { greedy } from "../runtime-int8/src/plan.js";
import { refDir } from "../test/helpers/refmodels.js";
import { loadNative } from "../test/oracles/native.js";
import { loadWasm } from "../test/oracles/wasm.js";
import { mobilenetInput, mobilenetV1 } from "../test/runtime/mobilenet.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import type { BenchResult } from "./run.js";

type Rt = typeof import("../runtime-int8/src/index.js");

/** ms per call: warm-up, then enough calls for >= 1 s (at least 5). */
function time(f: () => void, warm = 5): number {
  for (let i = 0; i < warm; i++) f();
  let n = 0;
  const t0 = performance.now();
  while (n < 5 || performance.now() - t0 < 1000) {
    f();
    n++;
  }
  return (performance.now() - t0) / n;
}

const ESIZE: Record<number, number> = { 0: 4, 2: 4, 3: 1, 9: 1 };

/** Naive (sum of activation tensors) and TFLite-Micro-style greedy (16-byte aligned, no aliasing) arena bytes. */
function plans(m: ReturnType<Rt["load"]>): { naive: number; tflm: number } {
  const n = m.ops.length;
  const T = m.tensors;
  const first = T.map(() => n + 1);
  const last = T.map(() => -1);
  const use = (ts: number[], k: number) =>
    ts.forEach((t) => {
      if (t < 0 || T[t]!.data) return;
      first[t] = Math.min(first[t]!, k);
      last[t] = Math.max(last[t]!, k);
    });
  use(m.inputs, 0);
  m.ops.forEach((op, k) => {
    use(op.inputs, k);
    use(op.outputs, k);
  });
  use(m.outputs, n);
  const size = T.map((t, i) => (last[i]! >= 0 ? Math.ceil((t.size * ESIZE[t.type]!) / 16) * 16 : 0));
  return {
    naive: T.reduce((a, t, i) => a + (last[i]! >= 0 ? t.size * ESIZE[t.type]! : 0), 0),
    tflm: greedy(size, first, last, 16).total,
  };
}

export default async function bench(): Promise<BenchResult> {
  const bundle = await buildRuntime();
  // biome-ignore lint/security/noGlobalEval: the shipped bundle is benchmarked as the script it is
  const globalEval = eval;
  const rt = globalEval(`(function(){${bundle.min}\nreturn edgeqrt;})()`) as Rt;
  const ref = (f: string) => new Uint8Array(readFileSync(resolve(refDir, f)));
  const models = [
    {
      name: "mobilenet-v1 0.25 96x96x1",
      bytes: writeTflite(mobilenetV1()),
      input: mobilenetInput() as ArrayLike<number>,
    },
    {
      name: "micro_speech",
      bytes: ref("micro_speech_quantized.tflite"),
      input: new Int8Array(ref("yes_micro_features_int8.raw").buffer) as ArrayLike<number>,
    },
  ];
  const lines: string[] = [];
  const data: Record<string, unknown> = {};
  for (const { name, bytes, input } of models) {
    const m = rt.load(bytes);
    m.input(0).set(input);
    const ours = time(() => m.invoke());
    const out = Array.from(m.output(0));
    const nat = loadNative(bytes);
    const native = time(() => nat.run([input]));
    const same = JSON.stringify(Array.from(nat.run([input])[0]!)) === JSON.stringify(out);
    const w = await loadWasm(bytes);
    const wasm = time(() => w.run([input]));
    w.dispose();
    const p = plans(m);
    // the Espruino path: E.convolve / E.sum stand-ins (plain JS) picked up at load
    const g = globalThis as { E?: unknown };
    g.E = {
      convolve: (a: Int8Array, b: Int8Array, o: number) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[(i + o) % b.length] as number);
        return s;
      },
      sum: (a: Int8Array) => {
        let s = 0;
        for (let i = 0; i < a.length; i++) s += a[i] as number;
        return s;
      },
    };
    const me = rt.load(bytes);
    delete g.E;
    me.input(0).set(input);
    const econv = time(() => me.invoke(), 2);
    const esame = JSON.stringify(Array.from(me.output(0))) === JSON.stringify(out);
    lines.push(
      `${name}: edgeq-rt ${ours.toFixed(3)} ms, native TFLite ${native.toFixed(3)} ms (edgeq/native ${(ours / native).toFixed(2)}x), ` +
        `TFLite-WASM ${wasm.toFixed(3)} ms (edgeq/wasm ${(ours / wasm).toFixed(2)}x); output equals native: ${same}`,
      `${name}: arena ${m.arenaBytes} B vs naive ${p.naive} B (${((100 * m.arenaBytes) / p.naive).toFixed(0)}%) vs TFLM-style greedy ${p.tflm} B`,
      `${name}: E.convolve path (JS stand-in) ${econv.toFixed(3)} ms vs plain loops ${ours.toFixed(3)} ms; same output: ${esame}`,
    );
    data[name] = {
      ms: ours,
      nativeMs: native,
      wasmMs: wasm,
      ratioNative: ours / native,
      ratioWasm: ours / wasm,
      sameAsNative: same,
      arena: m.arenaBytes,
      naive: p.naive,
      tflmGreedy: p.tflm,
      econvStandInMs: econv,
      econvSame: esame,
    };
  }
  lines.push(
    `bundle: edgeq-rt.js ${bundle.code.length} B, edgeq-rt.min.js ${bundle.min.length} B, gzip ${bundle.gzipBytes} B`,
  );
  data.bundle = { raw: bundle.code.length, min: bundle.min.length, gzip: bundle.gzipBytes };
  return { name: "runtime", lines, data };
}
