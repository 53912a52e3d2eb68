/**
 * The Espruino path (issue 12 item 4) on the real interpreter (../shared/espruino/espruino, the
 * Linux build of the firmware, with its natives): the built bundle runs micro_speech, the
 * demo-shaped DS-CNN and random CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / pool models there,
 * E.convolve and E.mapInPlace counted (the path is really taken), and every output must equal the
 * host runtime's bytes. One interpreter process for all models (a few seconds).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime } from "../../runtime-int8/build.js";
import { load } from "../../runtime-int8/src/index.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refDir, repoRoot } from "../helpers/refmodels.js";
import { demoDsCnn, demoDsCnnInput } from "../runtime/demo-dscnn.js";
import { type Kind, randomCase } from "../runtime/gen.js";

const ESPRUINO = join(repoRoot, "../shared/espruino/espruino");

interface Model {
  name: string;
  bytes: Uint8Array;
  inputs: Int8Array[];
  /** Ops expected on the Espruino path: E.mapInPlace calls per invoke (at least). */
  mapped: number;
}

const b64 = (a: Uint8Array | Int8Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

/** Host bytes: the core's own kernels on Node (no E, no add-on). */
function host(m: Model, input: Int8Array): number[] {
  const rt = load(m.bytes);
  rt.input(0).set(input);
  rt.invoke();
  return Array.from(rt.output(0));
}

function models(): Model[] {
  const out: Model[] = [];
  const raw = (f: string) => new Int8Array(readFileSync(join(refDir, f)));
  out.push({
    name: "micro_speech",
    bytes: new Uint8Array(readFileSync(join(refDir, "micro_speech_quantized.tflite"))),
    inputs: [raw("yes_micro_features_int8.raw"), raw("no_micro_features_int8.raw")],
    mapped: 1,
  });
  out.push({
    name: "demo-shaped DS-CNN",
    bytes: writeTflite(demoDsCnn(3)),
    inputs: [demoDsCnnInput(1), demoDsCnnInput(2)],
    mapped: 10,
  });
  const kinds: [Kind, number][] = [
    ["conv", 6],
    ["conv1x1", 3],
    ["dwconv", 6],
    ["fc", 3],
    ["avgpool", 2],
    ["maxpool", 2],
  ];
  for (const [kind, count] of kinds)
    for (let i = 0; i < count; i++) {
      const c = randomCase(7300 + 11 * i, kind);
      const x = c.inputs[0];
      if (!(x instanceof Int8Array) || c.inputs.length !== 1) continue;
      out.push({ name: c.name, bytes: writeTflite(c.graph), inputs: [x], mapped: 0 });
    }
  return out;
}

describe("the Espruino path on the real interpreter gives the host's bytes", () => {
  const list = models();
  let results: { outs: number[][]; maps: number }[] = [];
  let log = "";
  beforeAll(async () => {
    if (!existsSync(ESPRUINO)) throw new Error(`${ESPRUINO} missing (see ../shared/espruino/README.md)`);
    const bundle = await buildRuntime();
    const script = [
      bundle.min,
      "var mp = E.mapInPlace, maps = 0;",
      "E.mapInPlace = function (a, b, c) { maps++; return mp(a, b, c); };",
      "function run(model, inputs) { var m = edgeqrt.load(E.toArrayBuffer(atob(model))); maps = 0;",
      "  var outs = inputs.map(function (x) { var v = new Int8Array(E.toArrayBuffer(atob(x)));",
      "    m.input(0).set(v); m.invoke(); var o = m.output(0), a = [];",
      "    for (var i = 0; i < o.length; i++) a.push(o[i]); return a; });",
      "  print('RESULT ' + JSON.stringify({ outs: outs, maps: maps / inputs.length })); }",
      ...list.map((m) => `run(${JSON.stringify(b64(m.bytes))}, ${JSON.stringify(m.inputs.map(b64))});`),
      "print('DONE'); quit();",
    ].join("\n");
    const dir = mkdtempSync(join(tmpdir(), "edgeq-espspeed-"));
    try {
      writeFileSync(join(dir, "t.js"), script);
      const r = spawnSync(ESPRUINO, ["t.js"], {
        cwd: dir,
        timeout: 120000,
        killSignal: "SIGKILL",
        encoding: "latin1",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
      });
      log = `${r.stdout}${r.stderr}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    results = log
      .split("\n")
      .filter((l) => l.startsWith("RESULT "))
      .map((l) => JSON.parse(l.slice(7)));
  }, 180000);

  it("ran every model to the end", () => {
    expect(log, log.slice(-2000)).toContain("DONE");
    expect(results.length).toBe(list.length);
  });

  list.forEach((m, k) => {
    it(`${m.name}: same bytes as the host${m.mapped ? `, ${m.mapped} ops on the E.convolve + E.mapInPlace path` : ""}`, () => {
      const r = results[k];
      expect(r, log.slice(-2000)).toBeDefined();
      expect(r?.outs).toEqual(m.inputs.map((x) => host(m, x)));
      if (m.mapped) expect(r?.maps).toBe(m.mapped);
    });
  });
});
