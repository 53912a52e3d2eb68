/**
 * End to end: the real runtime bundle (runtime-int8/dist/edgeq-rt.min.js) and real int8 models
 * flashed through a pty to the simulated board, one inference on the board (QuickJS with a
 * memory limit), output bytes compared with the host running the same bundle, and with the
 * outputs native TFLite gives (published with the reference models). `--engine tflm` runs
 * the board's require("tensorflow"), which the simulator backs with native TFLite.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RUNTIME } from "../../boards/check.js";
import { flashFit } from "../../boards/fit.js";
import { loadBoards } from "../../boards/index.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { type FlashOptions, type FlashResult, flash } from "../../toolchain/flash/flash.js";
import { runtimeForModel } from "../../toolchain/runtime-bundle.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { kwsDsCnn } from "../boards/models.js";
import { dsCnnInput, int8DsCnn } from "../helpers/models.js";
import { loadNative } from "../oracles/native.js";
import { SimBoard, type SimOptions } from "../sim/board.js";
import type { TfEngine } from "../sim/vm.js";

const REF = new URL("../../../shared/reference-models/", import.meta.url);
const ref = (f: string): Uint8Array => new Uint8Array(readFileSync(new URL(f, REF)));
const boards = loadBoards();
let runtime: Uint8Array;

/** The firmware's TFLite Micro, simulated by native TFLite 2.9 (same reference kernels). */
const nativeTf: TfEngine = {
  create(_arena, model) {
    const m = loadNative(model);
    const n = m.inputs[0]!.shape.reduce((a, b) => a * b, 1);
    const input = new Int8Array(n);
    return { input, run: () => m.run([input])[0] as Int8Array };
  },
};

const sims: SimBoard[] = [];
async function sim(o: SimOptions): Promise<SimBoard> {
  const s = await SimBoard.start(o);
  sims.push(s);
  return s;
}

/** Flashes through the sim's port at 921600 baud with the real runtime bundle. */
function flashSim(
  s: SimBoard,
  o: Omit<FlashOptions, "port" | "baud" | "boards" | "runtime">,
): Promise<FlashResult> {
  return flash({ port: s.hostPath, baud: 921600, boards, runtime, ...o });
}

beforeAll(() => {
  if (!existsSync(DEFAULT_RUNTIME)) execFileSync("npm", ["run", "-s", "build:rt"], { stdio: "ignore" });
  runtime = new Uint8Array(readFileSync(DEFAULT_RUNTIME));
});
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe("flash + on-board check, real runtime bundle", () => {
  it("hello_world_int8 on Puck.js 2v25 (packets), QuickJS limit 256 KB, input hello_in_-96.raw: board [89] = host = native", async () => {
    const s = await sim({
      env: { BOARD: "PUCKJS", VERSION: "2v25" },
      storageBytes: 40960,
      memoryBytes: 256 * 1024,
    });
    const r = await flashSim(s, {
      model: ref("hello_world_int8.tflite"),
      check: ref("hello_in_-96.raw"),
    });
    expect(r.packets).toBe(true);
    expect(r.board.id).toBe("puckjs");
    expect(r.check!.identical).toBe(true);
    expect(Array.from(r.check!.board[0]!)).toEqual([89]);
    expect(Array.from(r.check!.host[0]!)).toEqual([89]);
  });

  it("micro_speech on WiFi 2v24 (lines), yes_micro_features: board [-128,-128,127,-128] = host = native", async () => {
    const s = await sim({
      env: { BOARD: "ESPRUINOWIFI", VERSION: "2v24" },
      storageBytes: 65536,
      memoryBytes: 256 * 1024,
    });
    const r = await flashSim(s, {
      model: ref("micro_speech_quantized.tflite"),
      labels: ["silence", "unknown", "yes", "no"],
      check: ref("yes_micro_features_int8.raw"),
    });
    expect(r.packets).toBe(false);
    expect(r.check!.identical).toBe(true);
    expect(Array.from(r.check!.board[0]!)).toEqual([-128, -128, 127, -128]);
  });

  it("micro_speech on Bangle.js 2 --engine tflm (firmware TFLite Micro), no_micro_features: [-128,-114,-128,114], same as edgeq on the host", async () => {
    const s = await sim({
      env: { BOARD: "BANGLEJS2", VERSION: "2v25", MODULES: "Storage,tensorflow" },
      storageBytes: 1 << 20,
      tensorflow: nativeTf,
    });
    const r = await flashSim(s, {
      model: ref("micro_speech_quantized.tflite"),
      engine: "tflm",
      check: ref("no_micro_features_int8.raw"),
    });
    expect(r.uploads.map((u) => u.name)).toEqual(["model.tfl"]);
    expect(Array.from(r.check!.board[0]!)).toEqual([-128, -114, -128, 114]);
    expect(r.check!.identical).toBe(true);
  });

  it("int8 DS-CNN with every op (float32 in/out around QUANTIZE/DEQUANTIZE) on Pico 2v24: float output bytes identical to the host", async () => {
    const model = writeTflite(int8DsCnn(1));
    const x = dsCnnInput(7);
    const s = await sim({
      env: { BOARD: "PICO_R1_3", VERSION: "2v24" },
      storageBytes: 49152,
      memoryBytes: 256 * 1024,
    });
    const r = await flashSim(s, {
      model,
      check: new Uint8Array(x.buffer),
    });
    expect(r.check!.identical).toBe(true);
    const y = r.check!.board[0]!;
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(10);
    const sum = Array.from(y).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(0.05); // softmax probabilities
  });

  it("KWS DS-CNN sized so that Storage cannot hold it twice next to the runtime on Puck.js: RAM-staged, output identical", async () => {
    const puck = boards.find((b) => b.id === "puckjs")!;
    // the smallest channel count whose model needs RAM staging next to today's runtime bundle
    let model: Uint8Array | undefined;
    for (let c = 16; c <= 96 && !model; c += 4) {
      const m = writeTflite(kwsDsCnn(3, c));
      const f = flashFit(puck, runtime.length, m.length);
      if (f.staging === "ram" && f.verdict !== "too big") model = m;
    }
    expect(
      model,
      `no KWS size needs RAM staging with a ${runtime.length} B runtime on Puck.js`,
    ).toBeDefined();
    const input = new Uint8Array(49 * 10).map((_, i) => (i * 37) & 255);
    const s = await sim({ env: { BOARD: "PUCKJS", VERSION: "2v25" }, storageBytes: 40960 });
    const r = await flashSim(s, { model: model!, check: input });
    expect(r.staging).toBe("ram");
    expect(r.check!.identical).toBe(true);
    expect(r.check!.board[0]!.length).toBe(12);
    expect([...s.storage.files.keys()].sort()).toEqual(["edgeqrt.js", "model.tfl"]);
  });

  it("--engine tflm on Puck.js (no TFLite Micro in its firmware): NO_TFLM", async () => {
    const s = await sim({ env: { BOARD: "PUCKJS", VERSION: "2v25" } });
    const err = await flashSim(s, {
      model: ref("hello_world_int8.tflite"),
      engine: "tflm",
      check: ref("hello_in_0.raw"),
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("NO_TFLM");
  });

  it("board out of memory (QuickJS limit 24 KB above baseline, hello_world's per-model runtime as edgeq flash uploads it): the check fails with BOARD_ERROR naming the memory, model stays flashed", async () => {
    const s = await sim({ env: { BOARD: "PUCKJS", VERSION: "2v25" }, memoryBytes: 24 * 1024 });
    const own = await runtimeForModel(ref("hello_world_int8.tflite"));
    const err = await flash({
      port: s.hostPath,
      baud: 921600,
      boards,
      runtime: new TextEncoder().encode(own.code),
      model: ref("hello_world_int8.tflite"),
      check: ref("hello_in_0.raw"),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("BOARD_ERROR");
    expect((err as Error).message).toMatch(/memory/i);
    expect(
      Buffer.from(s.storage.files.get("model.tfl")!).equals(Buffer.from(ref("hello_world_int8.tflite"))),
    ).toBe(true);
  });

  it("check input of the wrong size (3 bytes for a 1-byte input): BAD_INPUT before touching the port", async () => {
    const err = await flash({
      port: "/nonexistent/tty",
      boards,
      model: ref("hello_world_int8.tflite"),
      runtime,
      check: new Uint8Array(3),
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("BAD_INPUT");
    expect((err as Error).message).toMatch(/3 bytes but the model's input 0 has 1/);
  });
});
