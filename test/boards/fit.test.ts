/**
 * Board records, the loader's errors, and the fit arithmetic (Storage, JsVars, latency, TFLite
 * Micro ops) checked by hand on small cases, then `fit` for every board on a small model and on
 * a model too large for Puck.js.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateArena, type ModelSummary, opMacs, summarize } from "../../boards/estimate.js";
import {
  fitBoard,
  flashFit,
  latency,
  ramFit,
  storageFileBytes,
  tflmCheck,
  typedArrayJsVars,
  verdict,
} from "../../boards/fit.js";
import { type Board, findBoard, loadBoardFile, loadBoards } from "../../boards/index.js";
import {
  boardScale,
  fitCost,
  loadRates,
  type MeasuredRates,
  type OpCost,
  ratesNote,
} from "../../boards/rates.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { int8DsCnn } from "../helpers/models.js";
import { kwsDsCnn } from "./models.js";

const boards = loadBoards();
const puck = findBoard(boards, "Puck.js");
const tmp = mkdtempSync(join(tmpdir(), "edgeq-boards-"));
/** A stand-in runtime for the arithmetic (the CLI test uses a real file). */
const RT = { bytes: 20000, functions: 150 };

function summary(p: Partial<ModelSummary>): ModelSummary {
  return {
    modelBytes: 0,
    ops: [],
    opTypes: [],
    arenaBytes: 0,
    arenaSource: "estimate",
    constTensors: 0,
    activationTensors: 0,
    channelParams: 0,
    totalMacs: 0,
    ...p,
  };
}

describe("board records", () => {
  it("18 boards load and validate: the 11 of DESIGN.md plus micro:bit v2, Puck.js Lite, Bangle.js 3, Pico RP2040, Pico 2 RP2350, ESP32-C3, ESP32-S3 (each new one naming its Espruino board file and commit)", () => {
    expect(boards.map((b) => b.id)).toEqual([
      "banglejs1",
      "banglejs2",
      "banglejs3",
      "esp32",
      "esp32c3",
      "esp32s3",
      "esp8266",
      "joltjs",
      "mdbt42q",
      "microbit2",
      "original",
      "pico",
      "pixljs",
      "puckjs",
      "puckjslite",
      "rp2040pico",
      "rp2350pico2",
      "wifi",
    ]);
    for (const id of [
      "microbit2",
      "puckjslite",
      "banglejs3",
      "rp2040pico",
      "rp2350pico2",
      "esp32c3",
      "esp32s3",
    ])
      expect(findBoard(boards, id).source).toMatch(
        /^espruino\/Espruino boards\/[A-Z0-9_]+\.py at commit c5ff787b1/,
      );
    expect(puck).toMatchObject({
      jsVars: 2630,
      bytesPerJsVar: 13,
      storageBytes: 40960,
      storageMapped: true,
      tflm: false,
      arch: "cortex-m4f",
    });
    expect(findBoard(boards, "micro:bit v2")).toMatchObject({ jsVars: 6000, tflm: true, arch: "cortex-m4f" });
    expect(boards.filter((b) => b.tflm).map((b) => b.id)).toEqual(["banglejs1", "banglejs2", "microbit2"]);
    expect(boards.filter((b) => !b.storageMapped).map((b) => b.id)).toEqual([
      "banglejs1",
      "banglejs2",
      "banglejs3",
      "esp32",
      "esp32c3",
      "esp32s3",
      "esp8266",
    ]);
    expect(Object.fromEntries(boards.map((b) => [b.id, b.arch]))).toMatchObject({
      original: "cortex-m3",
      rp2040pico: "cortex-m0+",
      rp2350pico2: "cortex-m33",
      banglejs3: "cortex-m33",
      esp32: "xtensa-lx6",
      esp32s3: "xtensa-lx7",
      esp32c3: "riscv32",
      esp8266: "xtensa-lx106",
    });
  });

  it("findBoard by id, name and process.env.BOARD; unknown name lists the known ones", () => {
    expect(findBoard(boards, "bangle.js 2").id).toBe("banglejs2");
    expect(findBoard(boards, "PICO_R1_3").id).toBe("pico");
    expect(() => findBoard(boards, "arduino")).toThrow(/unknown board 'arduino'; known boards: banglejs1/);
  });

  it("custom board file: added and found; bad field -> EdgeqError naming the file and the field", () => {
    const good = {
      ...JSON.parse(readFileSync(join(import.meta.dirname, "../../boards/records/puckjs.json"), "utf8")),
      id: "mypuck",
      name: "My Puck",
      envBoard: ["MYPUCK"],
    };
    const f = join(tmp, "custom.json");
    writeFileSync(f, JSON.stringify(good));
    expect(findBoard(loadBoards([f]), "My Puck").envBoard).toEqual(["MYPUCK"]);
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...good, jsVars: -5 }));
    const e = (() => {
      try {
        loadBoardFile(bad);
      } catch (x) {
        return x;
      }
    })() as EdgeqError;
    expect(e).toBeInstanceOf(EdgeqError);
    expect(e.message).toContain(bad);
    expect(e.message).toMatch(/field 'jsVars' is -5, want a positive integer/);
    writeFileSync(bad, JSON.stringify({ ...good, arch: "z80" }));
    expect(() => loadBoardFile(bad)).toThrow(
      /field 'arch' is "z80", want one of cortex-m0\+, cortex-m3, cortex-m4f/,
    );
    writeFileSync(bad, JSON.stringify({ ...good, storageMapped: "yes" }));
    expect(() => loadBoardFile(bad)).toThrow(/field 'storageMapped' is "yes", want true or false/);
    writeFileSync(bad, "{ not json");
    expect(() => loadBoardFile(bad)).toThrow(/is not valid JSON/);
  });
});

describe("fit arithmetic", () => {
  it("Storage file = 32-byte header + data padded to 4: 2704 -> 2736, 2705 -> 2740", () => {
    expect(storageFileBytes(2704)).toBe(2736);
    expect(storageFileBytes(2705)).toBe(2740);
  });

  it("typed array of 20480 B on 13-byte JsVars = 3 + 1576 = 1579 JsVars (DESIGN: ~1540)", () => {
    expect(typedArrayJsVars(20480, 13)).toBe(1579);
  });

  it("verdict: 90 of 100 fits, 91 tight, 101 too big", () => {
    expect(verdict(90, 100)).toBe("fits");
    expect(verdict(91, 100)).toBe("tight");
    expect(verdict(101, 100)).toBe("too big");
  });

  it("flashFit puck runtime=20000 model=2704 labels=10: files 22812 (fits), peak max(2R, R+2M, R+M+2L) = 40064 <= 40960 via temp files", () => {
    const f = flashFit(puck, 20000, 2704, 10);
    expect([f.runtimeFile, f.modelFile, f.labelsFile]).toEqual([20032, 2736, 44]);
    expect(f.total).toBe(20032 + 2736 + 44);
    expect(f.peakDuringUpload).toBe(40064);
    expect(f.staging).toBe("storage");
    expect(f.need).toBe(f.total);
    expect(f.verdict).toBe("fits"); // 22812 <= 0.9 * 40960
    // files 38064 > 0.9 x 40960 = 36864 -> tight; peak 56096 > 40960 -> the model waits in RAM
    expect(flashFit(puck, 20000, 18000)).toMatchObject({
      total: 38064,
      peakDuringUpload: 56096,
      staging: "ram",
      verdict: "tight",
    });
  });

  it("ramFit by hand: puck (mmap) vs esp32 (no mmap) on arena 1000 B, 5 act, 4 const, 2 conv ops 24 channels", () => {
    const s = summary({
      modelBytes: 3000,
      arenaBytes: 1000,
      activationTensors: 5,
      constTensors: 4,
      channelParams: 24,
      ops: [
        { index: 0, type: "CONV_2D", macs: 0, outElems: 0, inElems: 0 },
        { index: 1, type: "FULLY_CONNECTED", macs: 0, outElems: 0, inElems: 0 },
      ],
    });
    const p = ramFit(puck, s, 20000, 150);
    expect(p.arena).toBe(3 + Math.ceil(1000 / 13)); // 80
    expect(p.activationViews).toBe(10);
    expect(p.weights).toBe(8);
    expect(p.channelParams).toBe(2 * 2 * 3 + 2 * Math.ceil(96 / 13)); // 28
    expect(p.runtimeObjects).toBe(4 * 150 + 10 * 2); // 620
    expect(p.runtimeCode).toBe(0);
    expect(p.totalJsVars).toBe(80 + 10 + 8 + 28 + 620 + 0 + 150);
    const esp = findBoard(boards, "esp32");
    const e = ramFit(esp, s, 20000, 150);
    expect(e.weights).toBe(8 + 3 + Math.ceil(3000 / 14));
    expect(e.runtimeCode).toBe(Math.ceil(20000 / 14));
  });

  it("latency by hand with given rates: Linux (x86-64) unscaled; Puck.js x (loop rate / 20000) x 64/64 / 1.0; Pico RP2040 (133 MHz, M0+ 0.5) x 16 x 64/133 / 0.5; tflm per op", () => {
    const cost = (perCallMs: number, perElementUs: number, perMacNs: number): OpCost => ({
      perCallMs,
      perElementUs,
      perMacNs,
      samples: 1,
      medianError: 0,
    });
    const rates: MeasuredRates = {
      generatedBy: "test",
      date: "2026-01-01T00:00:00Z",
      interpreter: "test",
      runtimeBytes: 1,
      jsLoopMacsPerSec: 320_000,
      edgeq: {
        "*": cost(1, 0, 0),
        CONV_2D: cost(0.5, 2, 50), // 0.5 + 4000 x 2 us + 1.2M x 50 ns = 0.5 + 8 + 60 = 68.5 ms
        RESHAPE: cost(0.01, 0, 0),
      },
      tflm: cost(0.1, 0, 1), // per op 0.1 ms + 1 ns/MAC
    };
    const s = summary({
      ops: [
        { index: 0, type: "CONV_2D", macs: 1_200_000, outElems: 4000, inElems: 0 },
        { index: 1, type: "DEPTHWISE_CONV_2D", macs: 20_000, outElems: 0, inElems: 0 },
        { index: 2, type: "RESHAPE", macs: 0, outElems: 64, inElems: 64 },
      ],
    });
    const linux = loadBoardFile(join(import.meta.dirname, "../espruino/linux-vb.json"));
    const l = latency(linux, s, "edgeq", rates);
    expect(l.ops.map((o) => o.ms)).toEqual([68.5, 1, 0.01]); // DEPTHWISE not measured: the "*" fallback
    expect(boardScale(puck, rates)).toBe(16);
    expect(latency(puck, s, "edgeq", rates).ms).toBeCloseTo(69.51 * 16, 9);
    const rp = findBoard(boards, "rp2040pico");
    expect(boardScale(rp, rates)).toBeCloseTo((16 * 64) / 133 / 0.5, 12);
    const bangle = findBoard(boards, "banglejs2");
    expect(latency(bangle, s, "tflm", rates).ms).toBeCloseTo((3 * 0.1 + 1.22) * 16, 9);
    expect(ratesNote(puck, rates)).toMatch(
      /measured on the real Espruino interpreter's Linux build .* scaled to Puck.js as x16.0/,
    );
    expect(ratesNote(linux, rates)).toMatch(/unscaled/);
  });

  it("boards/rates.json is the bench's output: generatedBy the bench command, a JS-loop rate, a '*' fallback and TFLite Micro cost, every cost >= 0", () => {
    const r = loadRates();
    expect(r.generatedBy).toMatch(/^npm run bench -- espruino --write-rates/);
    expect(r.jsLoopMacsPerSec).toBeGreaterThan(0);
    const costs = [...Object.values(r.edgeq), r.tflm];
    expect(r.edgeq["*"]).toBeDefined();
    for (const c of costs) {
      for (const v of [c.perCallMs, c.perElementUs, c.perMacNs]) expect(v).toBeGreaterThanOrEqual(0);
      expect(c.perCallMs + c.perElementUs + c.perMacNs).toBeGreaterThan(0);
    }
  });

  it("fitCost recovers a cost from exact samples: ms = 0.2 + 3 us x elems + 40 ns x MACs", () => {
    const f = (e: number, m: number) => ({ outElems: e, macs: m, ms: 0.2 + 0.003 * e + 0.00004 * m });
    const c = fitCost([f(100, 1000), f(1000, 50_000), f(5000, 20_000), f(300, 900_000)]);
    expect(c.perCallMs).toBeCloseTo(0.2, 6);
    expect(c.perElementUs).toBeCloseTo(3, 6);
    expect(c.perMacNs).toBeCloseTo(40, 6);
    expect(c.medianError).toBeLessThan(1e-9);
  });

  it("opMacs on the int8 DS-CNN: CONV 3x3 8ch on 12x12x2 = 20736, DW 3x3 to 6x6x16 = 5184, FC 16->10 = 160", () => {
    const g = int8DsCnn(1);
    const by = (t: string) => g.ops.filter((o) => o.type === t).map((o) => opMacs(g, o));
    expect(by("CONV_2D")[0]).toBe(12 * 12 * 8 * 3 * 3 * 2);
    expect(by("DEPTHWISE_CONV_2D")[0]).toBe(6 * 6 * 16 * 9);
    expect(by("FULLY_CONNECTED")).toEqual([160]);
    expect(by("MAX_POOL_2D")).toEqual([3 * 3 * 8 * 4]);
  });

  it("estimateArena on the KWS DS-CNN C=16: two live [1,25,5,16] int8 activations = 4000 B", () => {
    expect(estimateArena(kwsDsCnn(1, 16))).toBe(2 * 25 * 5 * 16);
  });

  it("TFLite Micro ops: KWS DS-CNN all within the 9; int8 DS-CNN needs PAD, ADD, MUL, RELU, RELU6, CONCATENATION, MEAN", () => {
    const bangle = findBoard(boards, "banglejs1");
    const k = kwsDsCnn(1, 16);
    expect(tflmCheck(bangle, summarize(k, 1))).toEqual({ applies: true, ok: true, unsupported: [] });
    const d = tflmCheck(bangle, summarize(int8DsCnn(1), 1));
    expect(d.ok).toBe(false);
    expect([...d.unsupported].sort()).toEqual([
      "ADD",
      "CONCATENATION",
      "MEAN",
      "MUL",
      "PAD",
      "RELU",
      "RELU6",
    ]);
  });
});

describe("fit on every board", () => {
  const verdicts = (g: ReturnType<typeof kwsDsCnn>) => {
    const bytes = writeTflite(g);
    const s = summarize(g, bytes.length);
    return Object.fromEntries(boards.map((b: Board) => [b.id, fitBoard(b, s, RT)]));
  };

  it("small model (KWS DS-CNN C=16, runtime 20000 B): fits Pico/WiFi/Jolt/ESP32/Bangle.js 2 with numbers that add up", () => {
    const r = verdicts(kwsDsCnn(1, 16));
    for (const id of ["wifi", "joltjs", "esp32", "banglejs2"]) expect(r[id]!.verdict).toBe("fits");
    expect(r.esp8266!.verdict).toBe("too big");
    for (const rep of Object.values(r)) {
      const m = rep.ram;
      expect(m.totalJsVars).toBe(
        m.arena +
          m.activationViews +
          m.weights +
          m.channelParams +
          m.runtimeObjects +
          m.runtimeCode +
          m.firmware,
      );
      expect(rep.flash.total).toBe(rep.flash.runtimeFile + rep.flash.modelFile + rep.flash.labelsFile);
      expect(rep.latencyMs).toBeGreaterThan(0);
    }
    expect(r.banglejs2!.tflm).toEqual({ applies: true, ok: true, unsupported: [] });
    expect(r.puckjs!.tflm).toBeUndefined();
  });

  it("RAM staging: runtime 24000 B + KWS C=16 on Puck.js: peak 48 KB > 40 KB Storage, files 32 KB fit and RAM can stage 24000 B -> fits", () => {
    const g = kwsDsCnn(1, 16);
    const rep = fitBoard(puck, summarize(g, writeTflite(g).length), { bytes: 24000, functions: 150 });
    expect(rep.flash.peakDuringUpload).toBeGreaterThan(puck.storageBytes);
    expect(rep.flash.staging).toBe("ram");
    expect(rep.flash.ramStageJsVars).toBe(3 + Math.ceil(24000 / 13) + 150);
    expect(rep.flash.need).toBe(rep.flash.total);
    expect(rep.verdict).toBe("fits");
    expect(rep.reasons).toEqual([]);
  });

  it("reasons in words: runtime 9000 B + model 30000 B on Puck.js: files fit, but neither a second copy nor a 30000 B RAM buffer does", () => {
    const f = flashFit(puck, 9000, 30000);
    expect(f.total).toBe(9032 + 30032);
    expect(f.staging).toBe("storage");
    expect(f.ramStageJsVars).toBe(3 + Math.ceil(30000 / 13) + 150); // 2461 > 0.9 x 2630
    expect(f.verdict).toBe("too big");
    const rep = fitBoard(puck, summary({ modelBytes: 30000 }), { bytes: 9000, functions: 10 });
    expect(rep.reasons).toEqual([
      `Storage: upload peak ${(f.peakDuringUpload / 1024).toFixed(1)} KB > 40.0 KB (the files alone, ${(f.total / 1024).toFixed(1)} KB, would fit, but the safe upload holds a file twice while it is verified, and staging the largest file in RAM instead needs 2461 of 2630 JsVars)`,
    ]);
  });

  it("model too large for Puck.js (KWS DS-CNN C=96, ~60 KB): Puck.js too big on Storage and JsVars; Jolt.js, ESP32, Bangle.js 2 fit", () => {
    const r = verdicts(kwsDsCnn(1, 96));
    const p = r.puckjs!;
    expect(p.verdict).toBe("too big");
    expect(p.flash.verdict).toBe("too big");
    expect(p.flash.modelFile).toBeGreaterThan(puck.storageBytes);
    expect(p.ram.verdict).toBe("too big");
    expect(p.ram.arena).toBe(3 + Math.ceil((2 * 25 * 5 * 96) / 13));
    for (const id of ["joltjs", "esp32", "banglejs2"]) expect(r[id]!.verdict).toBe("fits");
    // Bangle.js 1: Storage is plenty (4 MB) but its SPI flash is not memory-mapped, so the model is copied into RAM
    expect(r.banglejs1!.flash.verdict).toBe("fits");
    expect(r.banglejs1!.ram.verdict).toBe("too big");
  });
});
