/**
 * `npm run bench -- espruino [--write-rates]`: the edgeq runtime bundle on the real Espruino
 * interpreter (../shared/espruino/espruino, Linux build), ms per inference with the model in RAM,
 * after one warm-up, median of 3 runs (1 when an inference takes over 10 s), per op type (timed
 * with invoke's per-op callback), next to the same interpreter's built-in TFLite Micro
 * (require("tensorflow")) on the models within its 9 ops, as ratios from this run; and beside
 * each measurement what `edgeq fit` estimates for the Linux interpreter (the fitted rates, unscaled).
 *
 * --write-rates fits per op type a cost per call, per output element and per MAC to the per-op
 * timings (and the TFLite Micro inferences), measures the interpreter's plain JS loop, and writes
 * boards/rates.json, which `edgeq fit` scales to each board (boards/rates.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { summarize } from "../boards/estimate.js";
import { latency } from "../boards/fit.js";
import { loadBoardFile } from "../boards/index.js";
import { fitCost, type MeasuredRates, RATES_FILE, type Sample } from "../boards/rates.js";
import { kwsDsCnn } from "../test/boards/models.js";
import {
  B64_FN,
  bytesCode,
  FILL_FN,
  RT_BUNDLE,
  readBundle,
  runEspruino,
  tagged,
} from "../test/espruino/espruino.js";
import { demoDsCnn, randomBytes } from "../test/espruino/models.js";
import { VB_BOARD_FILE } from "../test/espruino/vboard.js";
import { refBytes } from "../test/helpers/refmodels.js";
import { mobilenetInput, mobilenetV1 } from "../test/runtime/mobilenet.js";
import { evalBundle } from "../toolchain/flash/host.js";
import type { OpType } from "../toolchain/ir/types.js";
import { readTflite } from "../toolchain/tflite/read.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import type { BenchResult } from "./run.js";

interface Case {
  name: string;
  model: Uint8Array;
  input: Uint8Array;
  /** Within TFLite Micro's 9 ops: run the built-in one too. */
  tflm: boolean;
}

interface Measured {
  name: string;
  ops: { type: OpType; macs: number; outElems: number }[];
  totalMacs: number;
  runs: number[];
  /** Median ms per op (over the runs). */
  perOp: number[];
  warmMs: number;
  /** The plain JS loop (LOOP_CODE) in the same process, ms per 2000 steps. */
  loopMs: number;
  tflmRuns?: number[];
  tflmError?: string;
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

/**
 * The Linux build allocates its variables in blocks of 4096 (x 27 B), so no flat string (one
 * contiguous buffer, what a Uint8Array needs) can exceed about 110 KB: a larger model cannot be one
 * RAM buffer there and is read from Storage instead (not memory-mapped: slower), said in the output.
 */
const FLAT_LIMIT = 100_000;
const inStorage = (c: Case): boolean => c.model.length > FLAT_LIMIT;

async function measure(bundle: string, c: Case, arena: number[]): Promise<Measured> {
  const g = readTflite(c.model);
  const sum = summarize(g, c.model.length);
  const n = sum.ops.length;
  const script = [
    bundle,
    B64_FN,
    FILL_FN,
    inStorage(c)
      ? `require("Storage").write("m.tfl",atob(${JSON.stringify(Buffer.from(c.model).toString("base64"))}));var m=edgeqrt.load(new Uint8Array(E.toArrayBuffer(require("Storage").read("m.tfl"))));fill(m.input(0),${bytesCode(c.input)});`
      : `var m=edgeqrt.load(${bytesCode(c.model)});fill(m.input(0),${bytesCode(c.input)});`,
    LOOP_CODE,
    'var t0=Date.now();m.invoke();var warm=Date.now()-t0;print("@@WARM "+warm);',
    `var R=warm>10000?1:3,r,T=new Float64Array(${n}),last;`,
    "for(r=0;r<R;r++){t0=last=Date.now();m.invoke(function(k){var t=Date.now();T[k]=t-last;last=t;});" +
      'print("@@RUN "+(Date.now()-t0)+" "+T.join(","));}',
    "quit();",
  ].join("\n");
  const out = (await runEspruino(script, { timeoutMs: 600_000 })).stdout;
  const runs = tagged(out, "RUN").map((l) => l.split(" "));
  const perRun = runs.map((r) => r[1]!.split(",").map(Number));
  const m: Measured = {
    name: c.name,
    ops: sum.ops.map((o) => ({ type: o.type, macs: o.macs, outElems: o.outElems })),
    totalMacs: sum.totalMacs,
    runs: runs.map((r) => Number(r[0])),
    perOp: Array.from({ length: n }, (_, k) => median(perRun.map((p) => p[k]!))),
    warmMs: Number(tagged(out, "WARM")[0]),
    loopMs: Number(tagged(out, "LOOP")[0]),
  };
  if (c.tflm && !inStorage(c)) {
    const ts = [
      B64_FN,
      FILL_FN,
      `var mf=E.toFlatString(atob(${JSON.stringify(Buffer.from(c.model).toString("base64"))})),tf,A=[${arena.join(",")}],j,err;`,
      // (the smallest arena that works: TFLite Micro fails cleanly when it is too small or too large for the pool)
      'for(j=0;j<A.length&&!tf;j++){try{tf=require("tensorflow").create(A[j],mf);}catch(e){err=e;}}if(!tf)throw err;',
      `fill(tf.getInput(),${bytesCode(c.input)});var t0=Date.now();tf.invoke();var warm=Date.now()-t0;`,
      'var R=warm>10000?1:3;for(var r=0;r<R;r++){t0=Date.now();tf.invoke();print("@@TF "+(Date.now()-t0));}',
      "quit();",
    ].join("\n");
    try {
      m.tflmRuns = tagged((await runEspruino(ts, { timeoutMs: 300_000 })).stdout, "TF").map(Number);
    } catch (e) {
      m.tflmError = (e as Error).message.split("\n").find((l) => /Uncaught|Error/.test(l)) ?? "failed";
    }
  }
  return m;
}

/**
 * The interpreter's plain JS loop (s += a[i] * b[i] over Int8Arrays, 2000 steps, median of 5),
 * printed as "@@LOOP ms"; run in each model's process next to its inferences, so that the loop
 * rate and the op timings see the same machine load.
 */
const LOOP_CODE =
  "(function(){var a=new Int8Array(2000),b=new Int8Array(2000),i,s=0,k,T=[];for(i=0;i<2000;i++){a[i]=i&127;b[i]=(i*7)&127;}" +
  "for(k=0;k<5;k++){var t0=Date.now();s=0;for(i=0;i<2000;i++)s+=a[i]*b[i];T.push(Date.now()-t0);}" +
  'T.sort(function(x,y){return x-y;});print("@@LOOP "+T[2]);})();';

export default async function bench(): Promise<BenchResult> {
  const write = process.argv.includes("--write-rates");
  const bundle = readBundle();
  const host = evalBundle(bundle);
  const cases: Case[] = [
    {
      name: "micro_speech",
      model: refBytes("micro_speech_quantized"),
      input: refBytes("yes_micro_features_int8.raw"),
      tflm: true,
    },
    {
      name: "hello_world",
      model: refBytes("hello_world_int8"),
      input: refBytes("hello_in_-96.raw"),
      tflm: true,
    },
    { name: "demo DS-CNN 28x28x1", model: await demoDsCnn(5), input: randomBytes(784, 11), tflm: false },
    {
      name: "KWS DS-CNN 49x10 C=16",
      model: writeTflite(kwsDsCnn(3, 16)),
      input: randomBytes(490, 13),
      tflm: true,
    },
    {
      name: "KWS DS-CNN 49x10 C=64",
      model: writeTflite(kwsDsCnn(3, 64)),
      input: randomBytes(490, 12),
      tflm: true,
    },
    {
      name: "MobileNet-v1 0.25 96x96x1",
      model: writeTflite(mobilenetV1(1)),
      input: new Uint8Array(mobilenetInput(2).buffer),
      tflm: true,
    },
  ];
  // converter models the runtime loads: more op types (MEAN, PAD, ADD, ...) for the rates
  const conv = new URL("../../shared/reference-models/converter/", import.meta.url);
  const exp = JSON.parse(readFileSync(new URL("expected.json", conv), "utf8")) as {
    models: Record<string, { file: string; input_shape: number[] }>;
  };
  for (const [name, e] of Object.entries(exp.models)) {
    const model = new Uint8Array(readFileSync(new URL(e.file, conv)));
    try {
      host.load(model);
    } catch {
      continue;
    }
    const n = e.input_shape.reduce((a, b) => a * b, 1);
    const input = new Uint8Array(readFileSync(new URL(`${name}_inputs.raw`, conv))).subarray(0, n);
    cases.push({ name: `converter ${name}`, model, input, tflm: false });
  }

  const measured: Measured[] = [];
  const failed: string[] = [];
  for (const c of cases) {
    const a = host.load(new Uint8Array(c.model)).arenaBytes;
    const arena = [2 * a + 2048, 3 * a + 8192, 4 * a + 32768];
    process.stderr.write(`  ${c.name} ...\n`);
    try {
      measured.push(await measure(bundle, c, arena));
    } catch (e) {
      failed.push(`${c.name} (${c.model.length} B) did not run: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  const loop = 2000 / (median(measured.map((m) => m.loopMs)) / 1000);

  // fit the rates: per op type over every op of every model, and TFLite Micro over whole inferences
  const byType = new Map<string, Sample[]>();
  const all: Sample[] = [];
  // (only models with weights in RAM: a model read from Storage would bias the rates)
  const inRam = measured.filter((m) => !inStorage(cases.find((c) => c.name === m.name)!));
  for (const m of inRam)
    m.ops.forEach((o, k) => {
      const s = { outElems: o.outElems, macs: o.macs, ms: m.perOp[k]! };
      if (!byType.has(o.type)) byType.set(o.type, []);
      byType.get(o.type)!.push(s);
      all.push(s);
    });
  const edgeq: MeasuredRates["edgeq"] = { "*": fitCost(all) };
  for (const [t, ss] of [...byType].sort()) edgeq[t] = fitCost(ss);
  // TFLite Micro: one sample per inference; its per-call term is per op, so sum the op counts
  const tfSamples: Sample[] = [];
  const tfOps: number[] = [];
  for (const m of measured)
    if (m.tflmRuns?.length) {
      tfSamples.push({
        outElems: m.ops.reduce((a, o) => a + (o.type === "RESHAPE" ? 0 : o.outElems), 0),
        macs: m.totalMacs,
        ms: median(m.tflmRuns),
      });
      tfOps.push(m.ops.length);
    }
  // fitCost's per-call term becomes per op: scale outElems/macs per op count is not needed, so
  // fit total = a x ops + b x elems + c x macs by dividing each sample by its op count
  const tflm = fitCost(
    tfSamples.map((s, i) => ({
      outElems: s.outElems / tfOps[i]!,
      macs: s.macs / tfOps[i]!,
      ms: s.ms / tfOps[i]!,
    })),
  );
  const rates: MeasuredRates = {
    generatedBy: "npm run bench -- espruino --write-rates (bench/espruino.ts)",
    date: new Date().toISOString(),
    interpreter: "Espruino 2v29.277 Linux x86-64, ../shared/espruino/espruino",
    runtimeBytes: readFileSync(RT_BUNDLE).length,
    jsLoopMacsPerSec: Math.round(loop),
    edgeq,
    tflm,
  };
  if (write) writeFileSync(RATES_FILE, `${JSON.stringify(rates, null, 2)}\n`);

  // fit's estimate for the Linux interpreter (the virtual board's record), with these rates
  const linux = loadBoardFile(VB_BOARD_FILE);
  const lines: string[] = [
    `real Espruino interpreter (Linux build), runtime bundle ${rates.runtimeBytes} B, model in RAM, ms per inference after one warm-up (median of the runs); plain JS loop ${Math.round(loop)} MAC/s`,
    "",
    "model                          MMAC   edgeq ms   runs   fit est.   TFLM ms   edgeq/TFLM",
  ];
  const data: Record<string, unknown> = { rates, models: [] as unknown[] };
  for (const m of measured) {
    const ms = median(m.runs);
    const s = summarize(readTflite(cases.find((c) => c.name === m.name)!.model), 0);
    const note = inStorage(cases.find((c) => c.name === m.name)!) ? " (weights read from Storage)" : "";
    const est = latency(linux, s, "edgeq", rates).ms;
    const tf = m.tflmRuns?.length ? median(m.tflmRuns) : undefined;
    lines.push(
      `${(m.name + note).padEnd(30)} ${(m.totalMacs / 1e6).toFixed(2).padStart(5)} ${ms.toFixed(0).padStart(10)} ${String(m.runs.length).padStart(6)} ${est.toFixed(0).padStart(10)} ${tf !== undefined ? tf.toFixed(1).padStart(9) : (m.tflmError ? "error" : "-").padStart(9)} ${tf !== undefined ? `${(ms / Math.max(tf, 0.01)).toFixed(0)}x`.padStart(12) : ""}`,
    );
    (data.models as unknown[]).push({
      name: m.name,
      macs: m.totalMacs,
      runs: m.runs,
      ms,
      fitMs: est,
      tflmRuns: m.tflmRuns,
      tflmError: m.tflmError,
    });
  }
  for (const m of measured) if (m.tflmError) lines.push(`TFLite Micro on ${m.name}: ${m.tflmError}`);
  const msOf = (n: string): string => {
    const m = measured.find((x) => x.name === n);
    return m ? `${median(m.runs).toFixed(0)} ms` : "not run";
  };
  const ms = measured.find((x) => x.name === "micro_speech");
  lines.push(
    `issue 12 targets: demo DS-CNN <= 500 ms (now ${msOf("demo DS-CNN 28x28x1")}), micro_speech <= 200 ms (now ${msOf("micro_speech")}), within 20x of TFLite Micro on the same model (micro_speech now ${ms?.tflmRuns?.length ? `${(median(ms.runs) / Math.max(median(ms.tflmRuns), 0.01)).toFixed(0)}x` : "n/a"})`,
  );
  for (const f of failed) lines.push(f);
  if (failed.some((f) => /byteOffset too large/.test(f)))
    lines.push(
      "  (Espruino's typed arrays take a byteOffset of at most 65535 (src/jswrap_arraybuffer.c), on every build: the runtime's weight views over a model larger than 64 KB cannot be made that way; a model that size needs views made differently, e.g. from Storage.read(name, offset, length))",
    );
  for (const c of cases.filter(inStorage))
    lines.push(
      `${c.name}: ${c.model.length} B does not fit one flat RAM buffer on the Linux build (its variables come in blocks of 4096 x 27 B, so a flat string tops out near 110 KB): weights read from Storage (not memory-mapped there, so slower than RAM), and TFLite Micro (which needs a flat buffer) not run`,
    );
  lines.push("", "per op type (all models, median per op summed): ms, share of edgeq time, fitted cost");
  const tot = new Map<string, { ms: number; n: number; macs: number }>();
  let total = 0;
  for (const m of measured)
    m.ops.forEach((o, k) => {
      const t = tot.get(o.type) ?? { ms: 0, n: 0, macs: 0 };
      t.ms += m.perOp[k]!;
      t.n++;
      t.macs += o.macs;
      tot.set(o.type, t);
      total += m.perOp[k]!;
    });
  for (const [t, v] of [...tot].sort((a, b) => b[1].ms - a[1].ms)) {
    const c = edgeq[t]!;
    lines.push(
      `  ${t.padEnd(18)} ${v.ms.toFixed(0).padStart(7)} ms ${((100 * v.ms) / total).toFixed(0).padStart(3)}%  ${v.n} ops${v.macs ? `, ${((v.macs / v.ms) * 1e-3).toFixed(2)} M MAC/s` : ""}; fit ${c.perCallMs.toFixed(3)} ms/call + ${c.perElementUs.toFixed(2)} us/element + ${c.perMacNs.toFixed(1)} ns/MAC (median error ${(100 * c.medianError).toFixed(0)}% over ${c.samples})`,
    );
  }
  lines.push(
    `  TFLite Micro: ${tflm.perCallMs.toFixed(3)} ms/op + ${tflm.perElementUs.toFixed(3)} us/element + ${tflm.perMacNs.toFixed(2)} ns/MAC (${tfSamples.length} models)`,
  );
  for (const m of measured) {
    const parts = new Map<string, number>();
    m.ops.forEach((o, k) => {
      parts.set(o.type, (parts.get(o.type) ?? 0) + m.perOp[k]!);
    });
    const sumOps = [...parts.values()].reduce((a, b) => a + b, 0);
    lines.push(
      `  ${m.name}: ${[...parts]
        .sort((a, b) => b[1] - a[1])
        .map(([t, v]) => `${t} ${v.toFixed(0)} ms (${((100 * v) / Math.max(sumOps, 1e-9)).toFixed(0)}%)`)
        .join(", ")}`,
    );
  }
  lines.push(
    write ? `wrote ${RATES_FILE}` : "(rates not written; add --write-rates to update boards/rates.json)",
  );
  return { name: "espruino", lines, data };
}
