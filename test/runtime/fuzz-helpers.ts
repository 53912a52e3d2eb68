/**
 * Seeded fuzzing of the int8 runtime's load() + invoke() on mutated .tflite files (the reader's
 * mutators from test/fuzz/mutate.ts), and the models it runs on: the reference models and a few
 * writer-made ones (test/runtime/gen.ts). The rule: every mutant either runs, or throws an Error
 * whose message starts with "edgeqrt: ", within a time bound; anything else names the mutant.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Landmarks, landmarks, MUTATIONS, type Mutation, mutate } from "../fuzz/mutate.js";
import { rng } from "../helpers/models.js";
import { REF_MODELS, refBytes } from "../helpers/refmodels.js";
import { type Kind, randomCase } from "./gen.js";

/** The runtime's surface the fuzzer drives (the TypeScript sources or the built bundle's `edgeqrt`). */
export interface RtModel {
  arenaBytes: number;
  inputs: number[];
  input(i: number): ArrayBufferView;
  invoke(onOp?: (k: number) => void): void;
}
export type LoadFn = (bytes: Uint8Array) => RtModel;

/** A single load + invoke may take this long. */
export const MAX_MS = 1000;
/**
 * Arena bound: a mutated shape can make a consistent model whose arena is huge. load() may
 * refuse it with an edgeqrt error; if it accepts one above this, the mutant fails (on a board
 * that is an allocation failure outside the runtime's errors; on a host, an invoke of minutes).
 */
export const MAX_ARENA = 64 << 20;

export interface FuzzModel {
  name: string;
  bytes: Uint8Array;
}

/** Writer-made models: a conv -> depthwise (in place) -> conv -> pool -> reshape -> FC -> SOFTMAX chain, a depthwise conv with multiplier 3, a broadcasting ADD. */
export const WRITER_CASES: [Kind, number][] = [
  ["chain", 8],
  ["chain", 53],
  ["dwconv", 6],
  ["add", 4],
];

/** The reference models the runtime runs (hello_world_float is float-only: it must be refused cleanly) and the writer-made ones. */
export function fuzzModels(): FuzzModel[] {
  return [
    ...REF_MODELS.map((m) => ({ name: m, bytes: refBytes(m) })),
    ...WRITER_CASES.map(([k, s]) => {
      const c = randomCase(s, k);
      return { name: c.name, bytes: writeTflite(c.graph) };
    }),
  ];
}

export type Outcome = "ran" | "edgeqrt-error" | "crash" | "slow" | "huge-arena";

export interface MutantResult {
  outcome: Outcome;
  ms: number;
  /** The edgeqrt message, or the error's name, message and top stack frames. */
  detail?: string;
}

class Watchdog extends Error {}

const isEdgeqrt = (e: unknown): e is Error =>
  e instanceof Error && !(e instanceof Watchdog) && e.message.startsWith("edgeqrt: ");

/** Top stack frames of e, for a report. */
function frames(e: Error): string {
  return (e.stack ?? "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 3)
    .map((l) => l.trim())
    .join(" | ");
}

/** Fills every input with seeded values (int8 bytes; floats in [-3, 3]). */
function fill(m: RtModel, r: () => number): void {
  for (let i = 0; i < m.inputs.length; i++) {
    const v = m.input(i);
    if (v instanceof Float32Array) for (let k = 0; k < v.length; k++) v[k] = (r() * 2 - 1) * 3;
    else {
      const u = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      for (let k = 0; k < u.length; k++) u[k] = Math.floor(r() * 256);
    }
  }
}

/**
 * load(bytes), then fill the inputs and invoke(). The time bound is also checked after each op
 * (invoke's onOp), so a runaway invoke stops after the op that passes it (a single op that never
 * ends is caught by the watchdog of fuzzInWorker).
 */
export function runMutant(load: LoadFn, bytes: Uint8Array, r: () => number): MutantResult {
  const t0 = performance.now();
  const ms = () => performance.now() - t0;
  try {
    const m = load(bytes);
    if (!(m.arenaBytes <= MAX_ARENA))
      return { outcome: "huge-arena", ms: ms(), detail: `load() accepted an arena of ${m.arenaBytes} B` };
    const dog = (k: number) => {
      if (ms() > MAX_MS) throw new Watchdog(`invoke still running after op ${k}`);
    };
    fill(m, r);
    m.invoke(dog);
  } catch (e) {
    if (e instanceof Watchdog) return { outcome: "slow", ms: ms(), detail: e.message };
    if (isEdgeqrt(e)) {
      const t = ms();
      return t > MAX_MS
        ? { outcome: "slow", ms: t, detail: e.message }
        : { outcome: "edgeqrt-error", ms: t, detail: e.message };
    }
    const detail =
      e instanceof Error
        ? `${e.constructor.name}: ${e.message} @ ${frames(e)}`
        : `non-Error throw: ${String(e)}`;
    return { outcome: "crash", ms: ms(), detail };
  }
  const t = ms();
  return t > MAX_MS ? { outcome: "slow", ms: t } : { outcome: "ran", ms: t };
}

export interface Failure {
  model: string;
  seed: number;
  mutation: Mutation;
  outcome: Outcome;
  ms: number;
  detail?: string;
}

export interface FuzzResult {
  runs: number;
  counts: Record<Outcome, number>;
  /** edgeqrt messages that wrap a JS engine error (allowed by the rule, but not a clear message). */
  wrapped: Record<string, number>;
  maxMs: number;
  failures: Failure[];
}

/** Engine messages that show an internal error under an edgeqrt prefix. */
const ENGINE =
  /Cannot read|undefined|is not a|Invalid (typed )?array|allocation failed|NaN|out of memory|call stack/i;

/** The mutant of campaign `seed`, run i: its rng seed and mutation (reproduce with `mutant(bytes, lm, s, kind)`). */
export function mutantSeed(seed: number, i: number): { s: number; kind: Mutation } {
  return { s: seed * 1_000_003 + i, kind: MUTATIONS[i % MUTATIONS.length] as Mutation };
}

export function mutant(bytes: Uint8Array, lm: Landmarks, s: number, kind: Mutation): Uint8Array {
  return mutate(bytes, lm, rng(s), kind);
}

const OUTCOMES: Outcome[] = ["ran", "edgeqrt-error", "crash", "slow", "huge-arena"];

function emptyResult(): FuzzResult {
  return {
    runs: 0,
    counts: { ran: 0, "edgeqrt-error": 0, crash: 0, slow: 0, "huge-arena": 0 },
    wrapped: {},
    maxMs: 0,
    failures: [],
  };
}

/**
 * Mutants from..runs-1 of one model (mutations in turn, as test/fuzz/campaign.ts), each through
 * runMutant. onStart(i) is called before mutant i, onResult after it.
 */
export function fuzzRuntime(
  model: FuzzModel,
  load: LoadFn,
  runs: number,
  seed: number,
  from = 0,
  on?: { start?: (i: number) => void; result?: (res: FuzzResult, failure?: Failure) => void },
): FuzzResult {
  const lm = landmarks(model.bytes);
  const res = emptyResult();
  for (let i = from; i < runs; i++) {
    on?.start?.(i);
    const { s, kind } = mutantSeed(seed, i);
    const r = rng(s);
    const bytes = mutate(model.bytes, lm, r, kind);
    const o = runMutant(load, bytes, r);
    res.runs++;
    res.counts[o.outcome]++;
    res.maxMs = Math.max(res.maxMs, o.ms);
    if (o.outcome === "edgeqrt-error" && o.detail && ENGINE.test(o.detail)) {
      const key = o.detail.replace(/\d+/g, "N");
      res.wrapped[key] = (res.wrapped[key] ?? 0) + 1;
    }
    let f: Failure | undefined;
    if (o.outcome === "crash" || o.outcome === "slow" || o.outcome === "huge-arena") {
      f = { model: model.name, seed: s, mutation: kind, ...o };
      res.failures.push(f);
    }
    on?.result?.(res, f);
  }
  return res;
}

/** What a fuzz worker runs: model `model` of fuzzModels(), on the sources or on the built bundle's code. */
export interface WorkerJob {
  model: number;
  runs: number;
  seed: number;
  from: number;
  /** The minified bundle (a script defining `edgeqrt`), or undefined for runtime-int8/src/index.ts. */
  bundle?: string;
  /** Float64Array over it: [mutant index running, Date.now() at its start, runs done, maxMs, counts by OUTCOMES...]. */
  progress: SharedArrayBuffer;
}

/** A watchdog kills a worker whose mutant runs this long (a hang), and reports that mutant. */
export const HANG_MS = 5000;
/** A campaign stops after this many hangs (the rest of its mutants are not run). */
export const MAX_HANGS = 3;

/** Entry of a fuzz worker (started by fuzzInWorker): runs its job, posts each failure as it happens, then { done: FuzzResult }. */
export async function workerMain(): Promise<void> {
  const { parentPort, workerData } = await import("node:worker_threads");
  const job = workerData as WorkerJob;
  let load: LoadFn;
  if (job.bundle) {
    // a global (indirect) eval runs the bundle as a script, as a browser <script> would
    // biome-ignore lint/security/noGlobalEval: running the bundle under test as a script is the point
    const globalEval = eval;
    load = (globalEval(`${job.bundle}\nedgeqrt`) as { load: LoadFn }).load;
  } else load = (await import("../../runtime-int8/src/index.js")).load as unknown as LoadFn;
  const p = new Float64Array(job.progress);
  const res = fuzzRuntime(fuzzModels()[job.model] as FuzzModel, load, job.runs, job.seed, job.from, {
    start: (i) => {
      p[0] = i;
      p[1] = Date.now();
    },
    result: (r, f) => {
      p[2] = r.runs;
      p[3] = r.maxMs;
      OUTCOMES.forEach((o, k) => {
        p[4 + k] = r.counts[o];
      });
      if (f) parentPort?.postMessage({ failure: f });
    },
  });
  parentPort?.postMessage({ done: res });
}

/** The tsx loader's API (an ES module), so a worker can import this TypeScript file. */
function tsxApi(): string {
  const req = createRequire(import.meta.url);
  const pkg = req.resolve("tsx/package.json");
  const exp = JSON.parse(readFileSync(pkg, "utf8")).exports["./esm/api"].import.default as string;
  return pathToFileURL(resolve(dirname(pkg), exp)).href;
}

type Msg = { failure: Failure } | { done: FuzzResult };

/**
 * fuzzRuntime in a worker thread (the sources through tsx, or the bundle), under a watchdog: a
 * mutant still running after HANG_MS is a "slow" failure (hang), the worker is terminated and a new
 * one goes on from the next mutant; a worker that dies is a "crash" of the mutant it was running.
 */
export async function fuzzInWorker(job: Omit<WorkerJob, "from" | "progress">): Promise<FuzzResult> {
  const self = pathToFileURL(fileURLToPath(import.meta.url)).href;
  const code = `import(${JSON.stringify(tsxApi())}).then((m) => m.tsImport(${JSON.stringify(self)}, ${JSON.stringify(self)})).then((h) => h.workerMain())`;
  const name = fuzzModels()[job.model]?.name ?? String(job.model);
  const total = emptyResult();
  let from = 0;
  let hangs = 0;
  while (from < job.runs && hangs < MAX_HANGS) {
    const progress = new SharedArrayBuffer(8 * (4 + OUTCOMES.length));
    const p = new Float64Array(progress);
    p[0] = -1;
    const failures: Failure[] = [];
    const w = new Worker(code, {
      eval: true,
      workerData: { ...job, from, progress } satisfies WorkerJob,
      // a heap blow-up kills the worker (reported as a crash of its mutant), not the test process
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    const end = await new Promise<FuzzResult | { died: string } | { hang: true }>((done) => {
      const timer = setInterval(() => {
        if ((p[0] as number) >= 0 && Date.now() - (p[1] as number) > HANG_MS) fin({ hang: true });
      }, 100);
      const fin = (v: FuzzResult | { died: string } | { hang: true }) => {
        clearInterval(timer);
        done(v);
      };
      w.on("message", (m: Msg) => {
        if ("failure" in m) failures.push(m.failure);
        else fin(m.done);
      });
      w.once("error", (e) => fin({ died: `${e.name}: ${e.message}` }));
      w.once("exit", (c) => fin({ died: `worker exited with code ${c}` }));
    });
    await w.terminate();
    if ("runs" in end) {
      total.runs += end.runs;
      for (const o of OUTCOMES) total.counts[o] += end.counts[o];
      for (const [k, v] of Object.entries(end.wrapped)) total.wrapped[k] = (total.wrapped[k] ?? 0) + v;
      total.maxMs = Math.max(total.maxMs, end.maxMs);
      total.failures.push(...end.failures);
      break;
    }
    // the outcomes up to the mutant it was on, from the shared counters and the failures it posted
    const i = p[0] as number;
    if (i < 0)
      throw new Error(
        `fuzz worker for ${name} failed before its first mutant: ${"died" in end ? end.died : "hang"}`,
      );
    total.runs += (p[2] as number) + 1;
    total.maxMs = Math.max(total.maxMs, p[3] as number, "hang" in end ? HANG_MS : 0);
    OUTCOMES.forEach((o, k) => {
      total.counts[o] += p[4 + k] as number;
    });
    total.failures.push(...failures);
    const { s, kind } = mutantSeed(job.seed, i);
    const hang = "hang" in end;
    if (hang) hangs++;
    total.counts[hang ? "slow" : "crash"]++;
    total.failures.push({
      model: name,
      seed: s,
      mutation: kind,
      outcome: hang ? "slow" : "crash",
      ms: hang ? HANG_MS : 0,
      detail: hang
        ? `hang: still running after ${HANG_MS} ms (worker terminated)`
        : `worker died: ${(end as { died: string }).died}`,
    });
    from = i + 1;
  }
  return total;
}

/** One line per failure: enough to reproduce it (model, rng seed, mutation) and to find it (detail). */
export function describeFailure(f: Failure): string {
  return `${f.model} seed=${f.seed} mutation=${f.mutation}: ${f.outcome} (${f.ms.toFixed(0)} ms) ${f.detail ?? ""}`;
}
