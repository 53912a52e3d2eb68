/**
 * Fault injection on the simulated board (real pty through socat): each fault ends in a clear
 * EdgeqError or a retried success, and never with a half-written file under the real name.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadBoards } from "../../boards/index.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { type FlashOptions, type FlashResult, flash } from "../../toolchain/flash/flash.js";
import { Repl } from "../../toolchain/flash/repl.js";
import { openPort } from "../../toolchain/flash/transport.js";
import { tempName, uploadFile } from "../../toolchain/flash/upload.js";
import { SimBoard as Sim, type SimBoard, type SimOptions } from "../sim/board.js";

const REF = new URL("../../../shared/reference-models/", import.meta.url);
const model = new Uint8Array(readFileSync(new URL("hello_world_int8.tflite", REF)));
const old = new Uint8Array(900).map((_, i) => (i * 7) & 255);
const payload = new TextEncoder().encode(
  `var edgeqrt={load:function(b){return {n:b.length};}};\n// ${"y".repeat(2000)}\n`,
);
const boards = loadBoards();
const fast = { timeoutMs: 1000, promptTimeoutMs: 600, promptTries: 3 };

const sims: SimBoard[] = [];
async function sim(o: SimOptions = {}): Promise<SimBoard> {
  const s = await Sim.start(o);
  sims.push(s);
  return s;
}
afterAll(async () => {
  for (const s of sims) await s.stop();
});

/** flash() through the sim's port at 921600 baud with the short REPL timeouts. */
function flashSim(
  s: SimBoard,
  o: Omit<FlashOptions, "port" | "baud" | "boards" | "repl">,
): Promise<FlashResult> {
  return flash({ port: s.hostPath, baud: 921600, boards, repl: fast, ...o });
}

/** Opens the sim's port, finds the prompt and runs `fn` with a Repl. */
async function withRepl<T>(s: SimBoard, fn: (r: Repl) => Promise<T>): Promise<T> {
  const t = await openPort(s.hostPath, 921600);
  try {
    const r = new Repl(t, fast);
    await r.prompt();
    return await fn(r);
  } finally {
    await t.close();
  }
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

describe("faults", () => {
  for (const packets of [false, true]) {
    it(`link cut mid-upload packets=${packets}: LINK_LOST, old model intact under the real name, re-flash succeeds`, async () => {
      const s = await sim();
      s.storage.files.set("model.tfl", old.slice());
      s.faults = { cutAfterBytes: 1500 };
      const err = await withRepl(s, (r) =>
        uploadFile(r, "model.tfl", model, { packets, chunkBytes: 256 }),
      ).catch((e) => e);
      expect(err).toBeInstanceOf(EdgeqError);
      expect((err as EdgeqError).code).toBe("LINK_LOST");
      expect(s.stats.cuts).toBe(1);
      expect(same(s.storage.files.get("model.tfl"), old)).toBe(true);
      // the cable goes back in: a new upload replaces the model and removes the temporary file
      await s.connect();
      await withRepl(s, (r) => uploadFile(r, "model.tfl", model, { packets, chunkBytes: 256 }));
      expect(same(s.storage.files.get("model.tfl"), model)).toBe(true);
      expect(s.storage.files.has(tempName("model.tfl"))).toBe(false);
    });
  }

  it("link cut during flash() with no previous model: LINK_LOST and no file under the real name", async () => {
    const s = await sim({ faults: { cutAfterBytes: 4000 } });
    const err = await flashSim(s, {
      model,
      runtime: payload,
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("LINK_LOST");
    expect((err as Error).message).toMatch(/lost the link/);
    expect(s.storage.files.has("model.tfl")).toBe(false);
  });

  for (const packets of [false, true]) {
    it(`corrupted bytes at 3 offsets packets=${packets}: CRC mismatch detected, upload retried, file correct`, async () => {
      const s = await sim();
      const res = await withRepl(s, (r) => {
        const base = s.stats.received;
        // well inside the data chunks (the first chunk starts ~500 bytes after the prompt)
        s.faults = { corruptAt: [base + 900, base + 1700, base + 2600] };
        return uploadFile(r, "model.tfl", model, { packets, chunkBytes: 512 });
      });
      expect(res.fileRetries + res.chunkRetries).toBeGreaterThan(0);
      expect(same(s.storage.files.get("model.tfl"), model)).toBe(true);
      expect(s.storage.files.has(tempName("model.tfl"))).toBe(false);
    });

    it(`dropped bytes at 2 offsets packets=${packets}: chunk/packet resent or file re-uploaded, file correct`, async () => {
      const s = await sim();
      const res = await withRepl(s, (r) => {
        const base = s.stats.received;
        s.faults = { dropAt: [base + 1000, base + 2100] };
        return uploadFile(r, "model.tfl", model, { packets, chunkBytes: 512 });
      });
      expect(res.fileRetries + res.chunkRetries).toBeGreaterThan(0);
      expect(same(s.storage.files.get("model.tfl"), model)).toBe(true);
    });
  }

  it("corruption in every DATA packet: CRC_MISMATCH after 3 uploads, temp erased, old model intact", async () => {
    const s = await sim();
    s.storage.files.set("model.tfl", old.slice());
    s.faults = { corruptData: true };
    const err = await withRepl(s, (r) =>
      uploadFile(r, "model.tfl", model, { packets: true, chunkBytes: 512, attempts: 3 }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("CRC_MISMATCH");
    expect((err as Error).message).toMatch(/CRC mismatch after 3 uploads of model\.tfl/);
    expect(same(s.storage.files.get("model.tfl"), old)).toBe(true);
    expect(s.storage.files.has(tempName("model.tfl"))).toBe(false);
  });

  it("slow device sends XOFF/XON (64 B per 5 ms, buffer 1024): host pauses, no byte lost, upload correct", async () => {
    const slow = { bytesPerTick: 64, tickMs: 5, highWater: 256, lowWater: 64, capacity: 1024 };
    const s = await sim({ faults: { slow } });
    await withRepl(s, (r) => uploadFile(r, "model.tfl", model, { packets: false, chunkBytes: 512 }));
    expect(s.stats.xoffSent).toBeGreaterThan(0);
    expect(s.stats.xonSent).toBeGreaterThan(0);
    expect(s.stats.overflowDropped).toBe(0);
    expect(same(s.storage.files.get("model.tfl"), model)).toBe(true);
  });

  it("no prompt (mute board): NO_PROMPT after newline + Ctrl-C retries", async () => {
    const s = await sim({ faults: { mute: true } });
    const err = await flashSim(s, {
      model,
      runtime: payload,
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("NO_PROMPT");
    expect((err as Error).message).toMatch(/no Espruino prompt/);
    expect(s.stats.received).toBe(6); // 3 x (Ctrl-C, newline)
  });

  it("half-typed line left on the board by an earlier session is cleared (Ctrl-C) before the first newline", async () => {
    const s = await sim();
    s.storage.files.set("keep.me", old.slice());
    const t = await openPort(s.hostPath, 921600);
    await t.write('require("Storage").erase("keep.me")'); // no newline: waits in the board's line buffer
    await t.close();
    await withRepl(s, (r) => uploadFile(r, "model.tfl", model, { packets: true }));
    expect(same(s.storage.files.get("keep.me"), old)).toBe(true);
    expect(s.executed.some((l) => l.includes("keep.me"))).toBe(false);
  });

  it("Storage full (4000 B, model 2704 B needs 2x): STORAGE_FULL before writing, old model intact", async () => {
    const s = await sim({ storageBytes: 4000 });
    s.storage.files.set("model.tfl", old.slice());
    const err = await withRepl(s, (r) => uploadFile(r, "model.tfl", model, { packets: true })).catch(
      (e) => e,
    );
    expect((err as EdgeqError).code).toBe("STORAGE_FULL");
    expect((err as Error).message).toMatch(/need 5472 bytes/);
    expect(same(s.storage.files.get("model.tfl"), old)).toBe(true);
    expect([...s.storage.files.keys()]).toEqual(["model.tfl"]);
  });

  it("RAM staging on Puck.js (runtime 10000 B + micro_speech 18800 B: files 28.9 KB fit, peak 47.7 KB does not): flashed, no temp files", async () => {
    const big = new Uint8Array(readFileSync(new URL("micro_speech_quantized.tflite", REF)));
    const rt = new TextEncoder().encode(`var edgeqrt={load:function(){}};//${"z".repeat(10000 - 34)}`);
    expect(rt.length).toBe(10000);
    const s = await sim({ env: { BOARD: "PUCKJS", VERSION: "2v25" }, storageBytes: 40960 });
    const r = await flashSim(s, { model: big, runtime: rt });
    expect(r.staging).toBe("ram");
    expect(same(s.storage.files.get("model.tfl"), big)).toBe(true);
    expect(same(s.storage.files.get("edgeqrt.js"), rt)).toBe(true);
    expect([...s.storage.files.keys()].sort()).toEqual(["edgeqrt.js", "model.tfl"]);
  });

  it("too big for both (runtime 9000 B + model 30000 B on Puck.js): MODEL_TOO_BIG naming the JsVars, nothing written", async () => {
    const big = new Uint8Array(30000).map((_, i) => i & 255);
    const rt = new TextEncoder().encode(`var edgeqrt={load:function(){}};//${"z".repeat(9000 - 34)}`);
    const s = await sim({ env: { BOARD: "PUCKJS", VERSION: "2v25" } });
    const err = await flashSim(s, {
      model: big,
      runtime: rt,
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("MODEL_TOO_BIG");
    expect((err as Error).message).toMatch(
      /take 39064 bytes of Storage and 69096 while uploading .* needs 2461 of 2630 JsVars/,
    );
    expect(s.storage.files.size).toBe(0);
  });

  it("RAM staging, link cut mid-upload: LINK_LOST, old model intact; corrupted bytes: retried, file correct", async () => {
    const s = await sim();
    s.storage.files.set("model.tfl", old.slice());
    s.faults = { cutAfterBytes: 2000 };
    const err = await withRepl(s, (r) =>
      uploadFile(r, "model.tfl", model, { packets: false, staging: "ram" }),
    ).catch((e) => e);
    expect((err as EdgeqError).code).toBe("LINK_LOST");
    expect(same(s.storage.files.get("model.tfl"), old)).toBe(true);
    await s.connect();
    const res = await withRepl(s, (r) => {
      const base = s.stats.received;
      s.faults = { corruptAt: [base + 900, base + 2000] };
      return uploadFile(r, "model.tfl", model, { packets: false, staging: "ram" });
    });
    expect(res.chunkRetries + res.fileRetries).toBeGreaterThan(0);
    expect(same(s.storage.files.get("model.tfl"), model)).toBe(true);
    expect([...s.storage.files.keys()]).toEqual(["model.tfl"]);
  });

  it("RAM staging of micro_speech (18800 B) on a board short of RAM (QuickJS limit 8 KB): NO_RAM, old model intact", async () => {
    const big = new Uint8Array(readFileSync(new URL("micro_speech_quantized.tflite", REF)));
    const s = await sim({ memoryBytes: 8192 });
    s.storage.files.set("model.tfl", old.slice());
    const err = await withRepl(s, (r) =>
      uploadFile(r, "model.tfl", big, { packets: false, staging: "ram" }),
    ).catch((e) => e);
    expect((err as EdgeqError).code).toBe("NO_RAM");
    expect((err as Error).message).toMatch(/cannot hold model\.tfl \(18800 B\) in RAM/);
    expect(same(s.storage.files.get("model.tfl"), old)).toBe(true);
  });

  it("model too big for the board record (ESP8266, 16 KB Storage, micro_speech 18800 B): MODEL_TOO_BIG", async () => {
    const big = new Uint8Array(readFileSync(new URL("micro_speech_quantized.tflite", REF)));
    const s = await sim({ env: { BOARD: "ESP8266_4MB", VERSION: "2v25" } });
    const err = await flashSim(s, {
      model: big,
      runtime: payload,
    }).catch((e) => e);
    expect((err as EdgeqError).code).toBe("MODEL_TOO_BIG");
    expect((err as Error).message).toMatch(/ESP8266 has 16384/);
    expect(s.storage.files.size).toBe(0);
  });
});
