/**
 * Runs the built runtime bundle on other JS engines: Node (same realm), Duktape (the `duk`
 * binary of Debian's duktape, ES5.1) and QuickJS (npm quickjs-emscripten, with a memory limit).
 * The model, inputs and outputs cross as hex strings of raw bytes, so outputs compare bit for bit.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getQuickJS } from "quickjs-emscripten";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

export interface EngineJob {
  model: Uint8Array;
  /** Raw bytes of each input, per run. */
  runs: Uint8Array[][];
}

/** An ES5 script: the bundle, then load + invoke per run; its value (and `edgeqOut`) is a JSON string of output hex per run. */
export function engineScript(bundle: string, job: EngineJob): string {
  const runs = JSON.stringify(job.runs.map((r) => r.map(hex)));
  return `${bundle}
var edgeqOut = (function () {
  function unhex(h) { var u = new Uint8Array(h.length / 2); for (var i = 0; i < u.length; i++) u[i] = parseInt(h.substr(2 * i, 2), 16); return u; }
  function tohex(v) { var u = new Uint8Array(v.buffer, v.byteOffset, v.byteLength), s = ""; for (var i = 0; i < u.length; i++) s += (u[i] < 16 ? "0" : "") + u[i].toString(16); return s; }
  var m = edgeqrt.load(unhex("${hex(job.model)}"));
  var runs = ${runs}, out = [];
  for (var r = 0; r < runs.length; r++) {
    for (var i = 0; i < runs[r].length; i++) { var v = m.input(i); new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(unhex(runs[r][i])); }
    m.invoke();
    var o = [];
    for (var k = 0; k < m.outputs.length; k++) o.push(tohex(m.output(k)));
    out.push(o);
  }
  return JSON.stringify(out);
})();
edgeqOut;`;
}

export function runNode(bundle: string, job: EngineJob): string[][] {
  // a global (indirect) eval runs the bundle as a script, as a browser <script> would
  // biome-ignore lint/security/noGlobalEval: running the bundle under test as a script is the point
  const globalEval = eval;
  return JSON.parse(globalEval(engineScript(bundle, job)));
}

export function runDuktape(bundle: string, job: EngineJob): string[][] {
  const dir = mkdtempSync(join(tmpdir(), "edgeq-duk-"));
  try {
    const f = join(dir, "run.js");
    // duk evaluates a file as a program; print the JSON result
    writeFileSync(f, `${engineScript(bundle, job)}\nprint(edgeqOut);\n`);
    return JSON.parse(execFileSync("duk", [f], { encoding: "utf8", maxBuffer: 64 << 20 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runQuickJS(
  bundle: string,
  job: EngineJob,
  memoryLimit = 16 << 20,
): Promise<string[][]> {
  const QuickJS = await getQuickJS();
  const rt = QuickJS.newRuntime();
  rt.setMemoryLimit(memoryLimit);
  rt.setMaxStackSize(1 << 20);
  const vm = rt.newContext();
  try {
    const res = vm.evalCode(engineScript(bundle, job));
    if (res.error) {
      const err = vm.dump(res.error);
      res.error.dispose();
      throw new Error(`QuickJS: ${JSON.stringify(err)}`);
    }
    const s = vm.getString(res.value);
    res.value.dispose();
    return JSON.parse(s);
  } finally {
    vm.dispose();
    rt.dispose();
  }
}
