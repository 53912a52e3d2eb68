/**
 * Models over 64 KB on the real Espruino interpreter (../shared/espruino/espruino, the Linux
 * build). Espruino keeps a typed array's byteOffset in 16 bits on every build, so a view of a
 * constant past byte 65535 of the model ("byteOffset too large"), a DataView read there, or a row of
 * a weight tensor over 64 KB cannot be made; the runtime gives such parts views of their own
 * (runtime-int8/src/kernels/region.ts: E.memoryArea over the same memory on a board, a copy of
 * the part on the Linux builds, where E.memoryArea maps nothing). Each case: the built bundle on
 * the interpreter gives the same output bytes as the same bundle on the host, one interpreter
 * process per model with every input in one script.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evalBundle, type RtGlobal } from "../../toolchain/flash/host.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { mobilenetV1 } from "../runtime/mobilenet.js";
import { B64_FN, bytesCode, FILL_FN, RT_BUNDLE, readBundle, runEspruino, tagged } from "./espruino.js";
import { randomBytes } from "./models.js";

const CONV = new URL("../../../shared/reference-models/converter/", import.meta.url);

if (!existsSync(RT_BUNDLE)) execFileSync("npm", ["run", "-s", "build:rt"], { stdio: "ignore" });
const bundle = readBundle();
const host: RtGlobal = evalBundle(bundle);

const b64 = (v: ArrayBufferView): string =>
  Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).toString("base64");

/** The host's output 0 bytes (base64) per input. */
function onHost(model: Uint8Array, inputs: Uint8Array[]): string[] {
  const m = host.load(new Uint8Array(model));
  return inputs.map((x) => {
    const v = m.input(0);
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(x);
    m.invoke();
    return b64(m.output(0));
  });
}

/** Bytes past 65535 of the model that some constant's data covers (0: none). */
function constantBytesPast64K(model: Uint8Array): number {
  const m = host.load(new Uint8Array(model)) as unknown as { tensors: { data?: Uint8Array }[] };
  let n = 0;
  for (const t of m.tensors) {
    const d = t.data;
    if (d) n += Math.max(0, d.byteOffset + d.byteLength - Math.max(d.byteOffset, 65536));
  }
  return n;
}

/**
 * Runs `load` (JS source of the argument to edgeqrt.load) and every input on the interpreter;
 * output 0's bytes per input (base64).
 */
async function onEspruino(
  setup: string,
  load: string,
  inputs: Uint8Array[],
  timeoutMs: number,
): Promise<string[]> {
  const script = [
    bundle,
    B64_FN,
    FILL_FN,
    setup,
    `var m=edgeqrt.load(${load});`,
    ...inputs.map((x) => `fill(m.input(0),${bytesCode(x)});m.invoke();print("@@OUT "+b64(m.output(0)));`),
    "quit();",
  ].join("\n");
  const r = await runEspruino(script, { timeoutMs });
  return tagged(r.stdout, "OUT");
}

/** JS source writing `model` to Storage file `name` in base64 chunks (the first carries the size). */
function storageWrite(name: string, model: Uint8Array): string {
  const lines = ['var S=require("Storage");'];
  for (let o = 0; o < model.length; o += 6144) {
    const chunk = Buffer.from(model.subarray(o, o + 6144)).toString("base64");
    lines.push(`S.write(${JSON.stringify(name)},atob("${chunk}"),${o}${o ? "" : `,${model.length}`});`);
  }
  return lines.join("\n");
}

// MobileNet-v1 0.125 at 32x32x1 (writer-made, seeded): 82,544 B, so a flat copy fits the Linux
// build (one flat buffer tops out near 110 KB there) and Storage (256 KB)
const mobilenet = writeTflite(mobilenetV1(1, 0.125, 32, 10));
const mobilenetInputs = [1, 2, 3].map((s) => randomBytes(32 * 32, s));

describe.concurrent("models over 64 KB on the real Espruino interpreter: the host's output bytes", () => {
  it("seed_cifar_sepconv (converter, 291,744 B; FULLY_CONNECTED weights 128x2048 = 256 KB, one tensor over 64 KB), its first 3 inputs (10 s to load there), from a non-flat string in RAM (atob: no flat buffer that size fits the Linux build)", async () => {
    const model = new Uint8Array(readFileSync(new URL("seed_cifar_sepconv.tflite", CONV)));
    expect(model.length).toBe(291744);
    expect(constantBytesPast64K(model)).toBeGreaterThan(200_000);
    const all = new Uint8Array(readFileSync(new URL("seed_cifar_sepconv_inputs.raw", CONV)));
    const n = 32 * 32 * 3;
    expect(all.length).toBe(8 * n);
    const inputs = Array.from({ length: 3 }, (_, i) => all.subarray(i * n, (i + 1) * n));
    const load = `new Uint8Array(E.toArrayBuffer(atob(${JSON.stringify(Buffer.from(model).toString("base64"))})))`;
    expect(await onEspruino("", load, inputs, 110_000)).toEqual(onHost(model, inputs));
  });

  it("MobileNet-v1 0.125 32x32x1 (writer-made, seed 1, 82,544 B), 3 seeded inputs, flat in RAM", async () => {
    expect(mobilenet.length).toBeGreaterThan(65536);
    expect(constantBytesPast64K(mobilenet)).toBeGreaterThan(10_000);
    expect(await onEspruino("", bytesCode(mobilenet), mobilenetInputs, 60_000)).toEqual(
      onHost(mobilenet, mobilenetInputs),
    );
  });

  it('the same MobileNet from Storage (require("Storage").read: not memory-mapped on the Linux build: every read goes to the file), the first seeded input', async () => {
    const got = await onEspruino(
      storageWrite("mnet.tflite", mobilenet),
      'require("Storage").read("mnet.tflite")',
      mobilenetInputs.slice(0, 1),
      60_000,
    );
    expect(got).toEqual(onHost(mobilenet, mobilenetInputs.slice(0, 1)));
  });

  it("an arena over 64 KB (MobileNet-v1 0.1 160x160x1, writer-made, arena 102,400 B) is refused on the Linux build with the reason (views must share it; no E.memoryArea there), loads on the host", async () => {
    const model = writeTflite(mobilenetV1(1, 0.1, 160, 10));
    expect(host.load(model).arenaBytes).toBeGreaterThan(65536);
    const r = await runEspruino(
      [
        bundle,
        `try{edgeqrt.load(${bytesCode(model)});print("@@ERR none");}catch(e){print("@@ERR "+e.message);}`,
        "quit();",
      ].join("\n"),
      { timeoutMs: 60_000 },
    );
    expect(tagged(r.stdout, "ERR")).toEqual(["edgeqrt: arena over 64 KB needs E.memoryArea (a board)"]);
  });
});
