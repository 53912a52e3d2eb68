/**
 * `npm run fuzz [-- --runs N --seed S]`: a longer fuzz campaign over every reference model
 * and the edgeq-written DS-CNN models. Prints counts per model, outcome, mutation kind and
 * error code; exits 1 if any mutant crashed the reader (non-EdgeqError) or took over 1 s.
 */
import { SingleBar } from "cli-progress";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { floatDsCnn, int8DsCnn } from "../helpers/models.js";
import { REF_MODELS, refBytes } from "../helpers/refmodels.js";
import { type CampaignResult, campaign } from "./campaign.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`fuzz: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return v;
}

const runs = arg("runs", 50_000);
const seed = arg("seed", 2);
const chunk = 1000;
const models: [string, Uint8Array][] = [
  ...REF_MODELS.map((m) => [m, refBytes(m)] as [string, Uint8Array]),
  ["edgeq int8 ds-cnn", writeTflite(int8DsCnn(seed))],
  ["edgeq float ds-cnn", writeTflite(floatDsCnn(seed))],
];
const bar = new SingleBar({ format: "fuzz {bar} {value}/{total} mutants | {model}" });
bar.start(runs * models.length, 0, { model: "" });
const results: CampaignResult[] = [];
for (const [name, bytes] of models) {
  const total: CampaignResult = campaign(name, bytes, 0, seed);
  for (let done = 0; done < runs; done += chunk) {
    const n = Math.min(chunk, runs - done);
    const r = campaign(name, bytes, n, seed * 7919 + done);
    total.runs += r.runs;
    for (const k of Object.keys(r.counts) as (keyof typeof r.counts)[]) total.counts[k] += r.counts[k];
    for (const k of Object.keys(r.byKind) as (keyof typeof r.byKind)[]) total.byKind[k] += r.byKind[k];
    for (const [c, v] of Object.entries(r.codes)) total.codes[c] = (total.codes[c] ?? 0) + v;
    total.maxMs = Math.max(total.maxMs, r.maxMs);
    total.failures.push(...r.failures);
    bar.increment(n, { model: name });
  }
  results.push(total);
}
bar.stop();

let bad = 0;
for (const r of results) {
  const c = r.counts;
  process.stdout.write(
    `\n${r.model}: ${r.runs} mutants: ${c.parsed} parsed, ${c["edgeq-error"]} EdgeqError, ` +
      `${c.crash} crashes, ${c.slow} slow (> 1 s); slowest ${r.maxMs.toFixed(1)} ms\n`,
  );
  const codes = Object.entries(r.codes).sort((a, b) => b[1] - a[1]);
  process.stdout.write(`  error codes: ${codes.map(([k, v]) => `${k} ${v}`).join(", ")}\n`);
  for (const f of r.failures.slice(0, 5)) {
    process.stdout.write(
      `  FAIL ${f.kind} seed ${f.seed}: ${f.outcome} ${f.ms.toFixed(0)} ms ${f.detail ?? ""}\n`,
    );
  }
  bad += r.failures.length;
}
const total = results.reduce((s, r) => s + r.runs, 0);
process.stdout.write(`\ntotal: ${total} mutants, ${bad} failures\n`);
process.exitCode = bad ? 1 : 0;
