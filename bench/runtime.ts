/**
 * runtime-int8 benchmark: ms per inference of edgeq's int8 runtime (the built, minified ES5
 * bundle with its host add-on edgeq-rt-fast.min.js, run in Node; and the core bundle alone) vs native TFLite 2.9 (tfjs-tflite-node, 1 thread) vs TFLite-WASM
 * (@tensorflow/tfjs-tflite SIMD + XNNPACK, 1 thread) on MobileNet-v1 0.25 96x96x1 (random
 * weights, written with the writer) and micro_speech; arena bytes vs a naive plan (sum of all
 * activations) and a TFLite-Micro-style greedy plan (16-byte aligned, no in-place); bundle
 * bytes; and the Espruino path (E.convolve + E.sum) vs plain loops, with a JS stand-in for
 * E.convolve (Node has no Espruino natives, so this measures the code path, not the speed-up).
 * And the core with the WebAssembly-SIMD add-on edgeq-rt-wasm.min.js instead of the JS one.
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

/**
 * ms per call: warm-up, then enough calls for >= 1 s (at least 5); the mean, and the best single
 * call (less sensitive to other processes on a shared machine).
 */
function timeBoth(f: () => void, warm = 5): { mean: number; best: number } {
  for (let i = 0; i < warm; i++) f();
  let n = 0;
  let best = Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  while (n < 5 || performance.now() - t0 < 1000) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
    n++;
  }
  return { mean: (performance.now() - t0) / n, best };
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
  // the core alone (what Espruino runs), and the core with the host add-on (edgeq-rt-fast.min.js
  // evaluated after it installs its kernels)
  const rt = globalEval(
    `(function(){var module;${bundle.min}\n${bundle.fast.min}\nreturn edgeqrt;})()`,
  ) as Rt;
  const core = globalEval(`(function(){var module;${bundle.min}\nreturn edgeqrt;})()`) as Rt;
  // the core with the WebAssembly-SIMD add-on (edgeq-rt-wasm.min.js) instead
  const rtw = globalEval(
    `(function(){var module;${bundle.min}\n${bundle.wasm.min}\nreturn edgeqrt;})()`,
  ) as Rt;
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
    // invoke() may reuse the input's bytes for later activations (as TFLite Micro): refill each time
    const oursT = timeBoth(() => {
      m.input(0).set(input);
      m.invoke();
    });
    const out = Array.from(m.output(0));
    const mc = core.load(bytes);
    const coreT = timeBoth(() => {
      mc.input(0).set(input);
      mc.invoke();
    }, 2);
    const coreSame = JSON.stringify(Array.from(mc.output(0))) === JSON.stringify(out);
    const nat = loadNative(bytes);
    const nativeT = timeBoth(() => nat.run([input]));
    const same = JSON.stringify(Array.from(nat.run([input])[0]!)) === JSON.stringify(out);
    const w = await loadWasm(bytes);
    const wasmT = timeBoth(() => w.run([input]));
    w.dispose();
    const mw = rtw.load(bytes);
    const simdT = timeBoth(() => {
      mw.input(0).set(input);
      mw.invoke();
    });
    const simdOut = JSON.stringify(Array.from(mw.output(0)));
    const simdNative = simdOut === JSON.stringify(Array.from(nat.run([input])[0]!));
    const simdSame = simdOut === JSON.stringify(out);
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
    const me = core.load(bytes);
    delete g.E;
    const econvT = timeBoth(() => {
      me.input(0).set(input);
      me.invoke();
    }, 2);
    const esame = JSON.stringify(Array.from(me.output(0))) === JSON.stringify(out);
    const [ours, native, wasm, econv] = [oursT.mean, nativeT.mean, wasmT.mean, econvT.mean];
    lines.push(
      `${name}: edgeq-rt (core + add-on) ${ours.toFixed(3)} ms, native TFLite ${native.toFixed(3)} ms (edgeq/native ${(ours / native).toFixed(2)}x), ` +
        `TFLite-WASM ${wasm.toFixed(3)} ms (edgeq/wasm ${(ours / wasm).toFixed(2)}x); output equals native: ${same}`,
      `${name}: best single run: edgeq-rt ${oursT.best.toFixed(3)} ms, native ${nativeT.best.toFixed(3)} ms (${(oursT.best / nativeT.best).toFixed(2)}x), ` +
        `TFLite-WASM ${wasmT.best.toFixed(3)} ms (${(oursT.best / wasmT.best).toFixed(2)}x)`,
      `${name}: core alone (plain loops, no add-on) ${coreT.mean.toFixed(3)} ms (core/native ${(coreT.mean / native).toFixed(2)}x, ` +
        `core/(core + add-on) ${(coreT.mean / ours).toFixed(2)}x); same output: ${coreSame}`,
      `${name}: core + wasm add-on ${simdT.mean.toFixed(3)} ms (wasm-add-on/native ${(simdT.mean / native).toFixed(2)}x, ` +
        `wasm-add-on/TFLite-WASM ${(simdT.mean / wasm).toFixed(2)}x, wasm-add-on/(core + JS add-on) ${(simdT.mean / ours).toFixed(2)}x; ` +
        `best ${simdT.best.toFixed(3)} ms: ${(simdT.best / nativeT.best).toFixed(2)}x native, ${(simdT.best / wasmT.best).toFixed(2)}x TFLite-WASM); ` +
        `output equals native: ${simdNative}, equals core + JS add-on: ${simdSame}; add-on ${bundle.wasm.min.length} B (gzip ${bundle.wasm.gzipBytes} B, module ${bundle.wasm.wasmBytes} B)`,
      `${name}: arena ${m.arenaBytes} B vs naive ${p.naive} B (${((100 * m.arenaBytes) / p.naive).toFixed(0)}%) vs TFLM-style greedy ${p.tflm} B`,
      `${name}: Espruino path with a JS stand-in for E.convolve/E.sum ${econv.toFixed(3)} ms vs host kernels ${ours.toFixed(3)} ms ` +
        `(a stand-in measures the code path, not Espruino's native speed-up); same output: ${esame}`,
    );
    data[name] = {
      ms: ours,
      bestMs: oursT.best,
      nativeMs: native,
      nativeBestMs: nativeT.best,
      wasmMs: wasm,
      wasmBestMs: wasmT.best,
      ratioNative: ours / native,
      ratioWasm: ours / wasm,
      sameAsNative: same,
      arena: m.arenaBytes,
      naive: p.naive,
      tflmGreedy: p.tflm,
      coreMs: coreT.mean,
      coreBestMs: coreT.best,
      coreRatioNative: coreT.mean / native,
      coreSame: coreSame,
      econvStandInMs: econv,
      econvSame: esame,
      wasmAddonMs: simdT.mean,
      wasmAddonBestMs: simdT.best,
      wasmAddonRatioNative: simdT.mean / native,
      wasmAddonRatioWasm: simdT.mean / wasm,
      wasmAddonBestRatioNative: simdT.best / nativeT.best,
      wasmAddonBestRatioWasm: simdT.best / wasmT.best,
      wasmAddonSameAsNative: simdNative,
      wasmAddonSame: simdSame,
    };
  }
  lines.push(
    `bundle: edgeq-rt.js ${bundle.code.length} B, edgeq-rt.min.js ${bundle.min.length} B, gzip ${bundle.gzipBytes} B; ` +
      `add-on edgeq-rt-fast.min.js ${bundle.fast.min.length} B, gzip ${bundle.fast.gzipBytes} B; ` +
      `wasm add-on edgeq-rt-wasm.min.js ${bundle.wasm.min.length} B, gzip ${bundle.wasm.gzipBytes} B (module ${bundle.wasm.wasmBytes} B)`,
  );
  data.bundle = {
    raw: bundle.code.length,
    min: bundle.min.length,
    gzip: bundle.gzipBytes,
    fastMin: bundle.fast.min.length,
    fastGzip: bundle.fast.gzipBytes,
    wasmMin: bundle.wasm.min.length,
    wasmGzip: bundle.wasm.gzipBytes,
    wasmModule: bundle.wasm.wasmBytes,
  };
  return { name: "runtime", lines, data };
}
