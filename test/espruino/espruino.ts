/**
 * Runs scripts on the real Espruino interpreter (../shared/espruino/espruino, the Linux build of
 * the firmware every board runs; see its README) and reads back what they print.
 *
 * A script runs in a fresh temporary directory (its Storage, `espruino.flash`, lives there), ends
 * with `quit()`, and is killed with SIGKILL on timeout (the interpreter ignores SIGTERM). Its
 * output lines end in "\r\n"; `between()` picks out what a script printed between markers.
 * Binary data goes in as base64 (`bytesCode`) and comes out as base64 (`B64_FN`), so no raw byte
 * ever passes through the console.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder with the interpreter builds (`espruino`, `espruino-vb`, `espruino-arm`). */
export const ESPRUINO_DIR: string = fileURLToPath(new URL("../../../shared/espruino/", import.meta.url));
/** The stock Linux build. */
export const ESPRUINO: string = join(ESPRUINO_DIR, "espruino");
/** The "virtual board" build (EOF and Ctrl-D never end it), for a pty. */
export const ESPRUINO_VB: string = join(ESPRUINO_DIR, "espruino-vb");

export const RT_BUNDLE: string = fileURLToPath(
  new URL("../../runtime-int8/dist/edgeq-rt.min.js", import.meta.url),
);

export interface EspruinoRun {
  /** Everything the interpreter printed (latin1), banner included. */
  stdout: string;
  /** Wall-clock milliseconds of the whole process. */
  ms: number;
}

export interface EspruinoOptions {
  /** Kill (SIGKILL) the interpreter after this many ms (default 60 s). */
  timeoutMs?: number;
  /** The binary (default the stock build). */
  binary?: string;
}

/**
 * Runs `script` (JS source; should end with `quit()`) as a file on the interpreter, in a temp
 * directory that is removed afterwards. Rejects on timeout (the process is killed with SIGKILL)
 * or when the interpreter reports an uncaught error; resolves with its output otherwise.
 */
export function runEspruino(script: string, o: EspruinoOptions = {}): Promise<EspruinoRun> {
  const binary = o.binary ?? ESPRUINO;
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (!existsSync(binary)) {
    return Promise.reject(
      new Error(`no Espruino interpreter at ${binary} (see ../shared/espruino/README.md)`),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "edgeq-espruino-"));
  const file = join(dir, "script.js");
  writeFileSync(file, script, "latin1");
  const t0 = performance.now();
  return new Promise<EspruinoRun>((resolve, reject) => {
    const p = spawn(binary, [file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => out.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeoutMs);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const stdout = Buffer.concat(out).toString("latin1");
      if (err) reject(err);
      else if (timedOut)
        reject(
          new Error(`Espruino did not finish within ${timeoutMs} ms (killed); output:\n${tail(stdout)}`),
        );
      else if (/Uncaught |^ERROR: /m.test(stdout))
        reject(new Error(`Espruino reported an error: ${errorLines(stdout)}`));
      else resolve({ stdout, ms: performance.now() - t0 });
    };
    p.on("error", (e) => done(e));
    p.on("close", () => done());
  });
}

/** The interpreter's error lines ("Uncaught ...", "ERROR: ...", "    at ..."), without the echoed source. */
function errorLines(s: string): string {
  return s
    .split(/\r?\n/)
    .filter((l) => /^(Uncaught |ERROR: |\s+at )/.test(l))
    .map((l) => l.slice(0, 300))
    .join("\n");
}

function tail(s: string): string {
  return s.length > 3000 ? `...${s.slice(-3000)}` : s;
}

/** JS source for a Uint8Array holding `b` (base64 + atob + E.toArrayBuffer, then a flat copy in RAM). */
export function bytesCode(b: Uint8Array): string {
  return `new Uint8Array(E.toArrayBuffer(E.toFlatString(atob(${JSON.stringify(Buffer.from(b).toString("base64"))}))))`;
}

/** Board-side function `b64(view)`: base64 of a typed array's bytes. */
export const B64_FN =
  "function b64(v){return btoa(E.toString(new Uint8Array(v.buffer,v.byteOffset,v.byteLength)));}";

/** Board-side function `fill(view, u8)`: copies bytes into a typed array's bytes. */
export const FILL_FN = "function fill(v,b){new Uint8Array(v.buffer,v.byteOffset,v.byteLength).set(b);}";

/** Every `@@KEY value` line the script printed, in order (value up to the line end). */
export function tagged(stdout: string, key: string): string[] {
  const r: string[] = [];
  const re = new RegExp(`^@@${key} ([^\\r\\n]*)\\r?$`, "gm");
  for (let m = re.exec(stdout); m; m = re.exec(stdout)) r.push(m[1]!);
  return r;
}

/** The edgeq runtime bundle as built by `npm run build:rt` (throws with the fix if missing). */
export function readBundle(): string {
  if (!existsSync(RT_BUNDLE)) throw new Error(`${RT_BUNDLE} is missing: run 'npm run build:rt'`);
  return readFileSync(RT_BUNDLE, "latin1");
}

export interface ModelRun {
  /** Per input, the base64 of each output's bytes. */
  outputs: string[][];
  /** Per input, milliseconds of invoke() on the interpreter. */
  invokeMs: number[];
}

/**
 * Loads `model` with the edgeq bundle on the interpreter (weights in RAM), runs it on each of
 * `inputs` (raw bytes of input 0) and returns each output's bytes (base64).
 */
export async function runBundleOnEspruino(
  bundle: string,
  model: Uint8Array,
  inputs: Uint8Array[],
  nOut: number,
  o: EspruinoOptions = {},
): Promise<ModelRun> {
  const lines = [
    bundle,
    B64_FN,
    FILL_FN,
    `var m=edgeqrt.load(${bytesCode(model)});`,
    ...inputs.map(
      (x) =>
        `fill(m.input(0),${bytesCode(x)});var t0=Date.now();m.invoke();print("@@MS "+(Date.now()-t0));` +
        `for(var k=0;k<${nOut};k++)print("@@OUT "+b64(m.output(k)));`,
    ),
    "quit();",
  ];
  const r = await runEspruino(lines.join("\n"), o);
  const outs = tagged(r.stdout, "OUT");
  if (outs.length !== inputs.length * nOut)
    throw new Error(
      `expected ${inputs.length * nOut} outputs from Espruino, got ${outs.length}:\n${tail(r.stdout)}`,
    );
  return {
    outputs: inputs.map((_, i) => outs.slice(i * nOut, (i + 1) * nOut)),
    invokeMs: tagged(r.stdout, "MS").map(Number),
  };
}

/**
 * The same with the interpreter's built-in TFLite Micro (`require("tensorflow")`, one output),
 * the model as a flat string in RAM (what `create` accepts).
 */
export async function runTflmOnEspruino(
  model: Uint8Array,
  inputs: Uint8Array[],
  arenaBytes: number,
  o: EspruinoOptions = {},
): Promise<ModelRun> {
  const lines = [
    B64_FN,
    FILL_FN,
    `var tf=require("tensorflow").create(${arenaBytes},E.toFlatString(atob(${JSON.stringify(Buffer.from(model).toString("base64"))})));`,
    ...inputs.map(
      (x) =>
        `fill(tf.getInput(),${bytesCode(x)});var t0=Date.now();tf.invoke();print("@@MS "+(Date.now()-t0));` +
        `print("@@OUT "+b64(tf.getOutput()));`,
    ),
    "quit();",
  ];
  const r = await runEspruino(lines.join("\n"), o);
  const outs = tagged(r.stdout, "OUT");
  if (outs.length !== inputs.length)
    throw new Error(`expected ${inputs.length} outputs, got:\n${tail(r.stdout)}`);
  return { outputs: outs.map((x) => [x]), invokeMs: tagged(r.stdout, "MS").map(Number) };
}
