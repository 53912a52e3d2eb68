/**
 * `--engine native` in the host tools: `edgeq fit` counts the add-on's bytes and estimates native
 * latency on boards whose record `arch` takes it (and says why not elsewhere); `edgeq flash`
 * uploads the core + the add-on + the model to the simulated board (test/sim: no E.nativeCall,
 * so the add-on declines and the core runs every op, same bytes as the host), refuses boards that
 * are not ARMv7E-M; and the real x86 interpreter (no ARM) runs the core + add-on with the add-on
 * declining cleanly.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitModel, loadModel } from "../../boards/check.js";
import { loadBoards } from "../../boards/index.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { flash } from "../../toolchain/flash/flash.js";
import { refDir } from "../helpers/refmodels.js";
import { SimBoard } from "../sim/board.js";
import { builtBundles } from "./espruino.js";

const MICRO = resolve(refDir, "micro_speech_quantized.tflite");
const HELLO = resolve(refDir, "hello_world_int8.tflite");
const ESPRUINO_X86 = resolve(refDir, "../espruino/espruino");
let core: Uint8Array;
let addon: string;
const sims: SimBoard[] = [];

beforeAll(async () => {
  const b = await builtBundles();
  core = new TextEncoder().encode(b.core);
  addon = b.native;
}, 120000);
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe("edgeq fit --engine native", () => {
  it("micro_speech on Puck.js (cortex-m4f): add-on counted in Storage and RAM, DEPTHWISE_CONV_2D + FULLY_CONNECTED native, estimated latency below the JS core's; ESP32: not applicable, nothing counted", () => {
    const m = loadModel(MICRO);
    const info = { code: addon, blobBytes: 2458 };
    const plain = fitModel(m, core, "all");
    const nat = fitModel(m, core, "all", [], info);
    const get = (r: typeof plain, id: string) => r.reports.find((x) => x.board.id === id)!;
    const puck = get(nat, "puckjs");
    expect(puck.native?.applies).toBe(true);
    expect(puck.native?.kernels).toEqual(["DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]);
    expect(puck.native?.addonBytes).toBe(Buffer.byteLength(addon));
    expect(puck.flash.total - get(plain, "puckjs").flash.total).toBeGreaterThanOrEqual(
      Buffer.byteLength(addon),
    );
    expect(puck.ram.totalJsVars).toBeGreaterThan(get(plain, "puckjs").ram.totalJsVars);
    expect(puck.native?.latencyMs).toBeGreaterThan(0);
    // (a tenth: the JS core's rates come from boards/rates.json, measured on the real interpreter after
    // the Espruino path made the core 20-60x faster; the native estimate is cycle counts)
    expect(puck.native!.latencyMs!).toBeLessThan(puck.latencyMs / 10);
    expect(puck.native?.note).toMatch(/ESTIMATE/);
    const esp = get(nat, "esp32");
    expect(esp.native?.applies).toBe(false);
    expect(esp.native?.reason).toMatch(/ARMv7E-M/);
    expect(esp.flash.total).toBe(get(plain, "esp32").flash.total);
    expect(esp.ram.totalJsVars).toBe(get(plain, "esp32").ram.totalJsVars);
    // every board whose arch is cortex-m4f takes it, no other
    for (const b of loadBoards()) expect(get(nat, b.id).native?.applies).toBe(b.arch === "cortex-m4f");
  });
});

describe("edgeq flash --engine native", () => {
  it("hello_world_int8 to a simulated Bangle.js 2: uploads edgeqrt.js, edgeqrtn.js, model.tfl; names FULLY_CONNECTED as native; the add-on declines there (no E.nativeCall) and the board's bytes equal the host's", async () => {
    const s = await SimBoard.start({
      env: { BOARD: "BANGLEJS2", VERSION: "2v25" },
      storageBytes: 262144,
      memoryBytes: 512 * 1024,
    });
    sims.push(s);
    const r = await flash({
      port: s.hostPath,
      baud: 921600,
      boards: loadBoards(),
      runtime: core,
      native: new TextEncoder().encode(addon),
      model: new Uint8Array(readFileSync(HELLO)),
      check: new Uint8Array(readFileSync(resolve(refDir, "hello_in_-96.raw"))),
      engine: "native",
    });
    expect(r.uploads.map((u) => u.name)).toEqual(["edgeqrt.js", "edgeqrtn.js", "model.tfl"]);
    expect(r.nativeKernels).toEqual(["FULLY_CONNECTED"]);
    expect(r.check?.identical).toBe(true);
    expect(Array.from(r.check!.board[0]!)).toEqual([89]);
  }, 60000);

  it("to a simulated ESP32: NO_NATIVE naming the board's core, nothing uploaded", async () => {
    const s = await SimBoard.start({ env: { BOARD: "ESP32", VERSION: "2v25" } });
    sims.push(s);
    const err = await flash({
      port: s.hostPath,
      baud: 921600,
      boards: loadBoards(),
      runtime: core,
      native: new TextEncoder().encode(addon),
      model: new Uint8Array(readFileSync(HELLO)),
      engine: "native",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("NO_NATIVE");
    expect((err as Error).message).toMatch(/ESP32.*Xtensa|xtensa/);
    expect(s.storage.files.size).toBe(0);
  }, 60000);
});

describe("the add-on on the real x86 interpreter (no ARM code can run)", () => {
  it("core + add-on on ../shared/espruino/espruino: hello_world_int8 input -96 gives [89], the add-on takes no op", () => {
    expect(existsSync(ESPRUINO_X86)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "edgeq-native-x86-"));
    writeFileSync(join(dir, "m.bin"), readFileSync(HELLO));
    const script = join(dir, "run.js");
    writeFileSync(
      script,
      [
        Buffer.from(core).toString("latin1"),
        addon,
        `var NK = edgeqrtNative, taken = 0;
function w(f) { return function (a, b) { var e = f(a, b); if (e) taken++; return e; }; }
edgeqrt.use({ conv: w(NK.conv), dw: w(NK.dw), mm: w(NK.mm), pool: w(NK.pool) });
var m = edgeqrt.load(E.toUint8Array(require("fs").readFileSync(${JSON.stringify(join(dir, "m.bin"))})));
m.input(0)[0] = -96; m.invoke();
print("RESULT " + JSON.stringify({ y: m.output(0)[0], taken: taken, board: process.env.BOARD }));
quit();`,
      ].join("\n"),
    );
    const r = spawnSync(ESPRUINO_X86, [script], { encoding: "latin1", input: "", timeout: 60000 });
    const line = /RESULT (.*)/.exec(r.stdout ?? "");
    expect(line, `${r.stdout}${r.stderr}`).not.toBeNull();
    const v = JSON.parse(line![1]!) as { y: number; taken: number; board: string };
    expect(v).toEqual({ y: 89, taken: 0, board: v.board });
    expect(v.board).not.toMatch(/^(BANGLEJS2?|JOLTJS|MDBT42Q|PICO_R1_3|PIXLJS|PUCKJS|ESPRUINOWIFI)$/);
  }, 60000);
});
