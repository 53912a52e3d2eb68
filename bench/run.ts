/**
 * `npm run bench`: runs every benchmark module, prints each one's lines (ratios against
 * peers measured in the same run) and writes bench/results.json. Benchmarks are not tests.
 * Add a module: export `default async function (): Promise<BenchResult>` and list it below.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BenchResult {
  name: string;
  /** Human-readable lines, printed as they are. */
  lines: string[];
  /** Machine-readable numbers for results.json. */
  data: Record<string, unknown>;
}

const modules: string[] = [
  "cli",
  "espruino",
  "flash",
  "native",
  "quantize",
  "report",
  "runtime",
  "tflite",
  "train",
];

const only = process.argv.slice(2);
const results: Record<string, unknown> = {};
for (const m of modules) {
  if (only.length && !only.includes(m)) continue;
  process.stdout.write(`\n== ${m} ==\n`);
  const mod = (await import(`./${m}.ts`)) as { default: () => Promise<BenchResult> };
  const r = await mod.default();
  for (const line of r.lines) process.stdout.write(`${line}\n`);
  results[r.name] = r.data;
}
const out = join(dirname(fileURLToPath(import.meta.url)), "results.json");
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
process.stdout.write(`\nwrote ${out}\n`);
