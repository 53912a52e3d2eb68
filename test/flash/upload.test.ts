/**
 * Flasher against the simulated board through a real pty (socat): uploads in line mode and
 * packet mode, CRC check, swap to the real name, and the REPL primitives.
 */
import { readFileSync } from "node:fs";
import { crc32 as zcrc } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { findBoard, loadBoards } from "../../boards/index.js";
import { crc32 } from "../../toolchain/crc32.js";
import { EdgeqError } from "../../toolchain/errors.js";
import { flash } from "../../toolchain/flash/flash.js";
import { hasPackets, jsString, parseVersion, Repl } from "../../toolchain/flash/repl.js";
import { openPort } from "../../toolchain/flash/transport.js";
import { tempName, uploadFile } from "../../toolchain/flash/upload.js";
import { SimBoard } from "../sim/board.js";

const REF = new URL("../../../shared/reference-models/", import.meta.url);
const hello = new Uint8Array(readFileSync(new URL("hello_world_int8.tflite", REF)));
/** A stand-in runtime payload (the real bundle is tested in e2e.test.ts). */
const payload = new TextEncoder().encode(
  `var edgeqrt={load:function(b){return {n:b.length};}};\n// ${"x".repeat(3000)}\n`,
);
const boards = loadBoards();

const sims: SimBoard[] = [];
async function sim(o: Parameters<typeof SimBoard.start>[0] = {}): Promise<SimBoard> {
  const s = await SimBoard.start(o);
  sims.push(s);
  return s;
}
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe("crc32", () => {
  it("crc32 equals zlib's on 0..4096 random bytes", () => {
    for (const n of [0, 1, 7, 255, 4096]) {
      const b = new Uint8Array(n).map((_, i) => (i * 131 + n) & 255);
      expect(crc32(b)).toBe(zcrc(b));
    }
  });
});

describe("repl helpers", () => {
  it("jsString escapes quotes, newlines, 0x03, 0x10, backticks and non-ASCII", () => {
    const hostile = '"); E.reboot(); ("\n\x03\x10`$' + "{x}`\u2028é";
    const s = jsString(hostile);
    expect(s).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(s)).toBe(hostile);
  });
  it("parseVersion 2v25.13 -> [2,25], packets from 2v25 on, not on 2v24", () => {
    expect(parseVersion("2v25.13")).toEqual([2, 25]);
    expect(hasPackets("2v25")).toBe(true);
    expect(hasPackets("2v24.7")).toBe(false);
    expect(hasPackets("3v00")).toBe(true);
  });
});

describe("upload to simulated board", () => {
  it("repl: prompt, env, call returns JSON, board exception becomes BOARD_ERROR", async () => {
    const s = await sim({ env: { BOARD: "PICO_R1_3", VERSION: "2v24" } });
    const t = await openPort(s.hostPath, 921600);
    try {
      const r = new Repl(t);
      await r.prompt();
      const env = await r.env();
      expect(env.BOARD).toBe("PICO_R1_3");
      expect(await r.call("return [1+2,'a']")).toEqual([3, "a"]);
      await expect(r.call("throw new Error('boom')")).rejects.toThrow(/boom/);
    } finally {
      await t.close();
    }
  });

  for (const mode of ["lines", "packets"] as const) {
    it(`uploadFile mode=${mode} bytes=2704 (hello_world_int8): CRC matches, temp file gone`, async () => {
      const s = await sim();
      const t = await openPort(s.hostPath, 921600);
      try {
        const r = new Repl(t);
        await r.prompt();
        const res = await uploadFile(r, "model.tfl", hello, { packets: mode === "packets", chunkBytes: 700 });
        expect(res.crc).toBe(crc32(hello));
        expect(Buffer.from(s.storage.files.get("model.tfl")!)).toEqual(Buffer.from(hello));
        expect(s.storage.files.has(tempName("model.tfl"))).toBe(false);
        if (mode === "packets") expect(s.stats.packets).toBe(1 + Math.ceil(hello.length / 700));
        else expect(s.stats.packets).toBe(0);
      } finally {
        await t.close();
      }
    });
  }

  it("flash --board auto on Puck.js 2v25: runtime + model + labels uploaded; runtime skipped when unchanged", async () => {
    const s = await sim();
    const base = {
      port: s.hostPath,
      baud: 921600,
      boards,
      model: hello,
      runtime: payload,
      labels: ["a", "b"],
    };
    const r1 = await flash(base);
    expect(r1.board.id).toBe("puckjs");
    expect(r1.packets).toBe(true);
    expect(r1.uploads.map((u) => [u.name, u.skipped])).toEqual([
      ["edgeqrt.js", false],
      ["model.tfl", false],
      ["model.lbl", false],
    ]);
    expect(JSON.parse(Buffer.from(s.storage.files.get("model.lbl")!).toString())).toEqual(["a", "b"]);
    const r2 = await flash(base);
    expect(r2.uploads[0]!.skipped).toBe(true);
    expect([...s.storage.files.keys()].sort()).toEqual(["edgeqrt.js", "model.lbl", "model.tfl"]);
  });

  it("flash --board pico on a board saying PUCKJS fails with WRONG_BOARD and writes nothing", async () => {
    const s = await sim();
    const err = await flash({
      port: s.hostPath,
      baud: 921600,
      boards,
      board: "pico",
      model: hello,
      runtime: payload,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("WRONG_BOARD");
    expect((err as Error).message).toMatch(/PUCKJS/);
    expect(s.storage.files.size).toBe(0);
  });

  it("unknown process.env.BOARD: UNKNOWN_BOARD suggesting --board-file; with a custom board record it flashes", async () => {
    const s = await sim({ env: { BOARD: "MYBOARD_V1", VERSION: "2v25" } });
    const err = await flash({ port: s.hostPath, baud: 921600, boards, model: hello, runtime: payload }).catch(
      (e) => e,
    );
    expect((err as EdgeqError).code).toBe("UNKNOWN_BOARD");
    expect((err as Error).message).toMatch(/BOARD="MYBOARD_V1".*--board-file custom\.json/);
    const custom = {
      ...findBoard(boards, "puckjs"),
      id: "myboard",
      name: "My Board",
      envBoard: ["MYBOARD_V1"],
    };
    const r = await flash({
      port: s.hostPath,
      baud: 921600,
      boards: [...boards, custom],
      model: hello,
      runtime: payload,
    });
    expect(r.board.name).toBe("My Board");
    expect(s.storage.files.has("model.tfl")).toBe(true);
  });

  it("flash to a port that does not exist fails with NO_PORT naming the path", async () => {
    const err = await flash({ port: "/nonexistent/ttyEQ0", boards, model: hello, runtime: payload }).catch(
      (e) => e,
    );
    expect((err as EdgeqError).code).toBe("NO_PORT");
    expect((err as Error).message).toMatch(/\/nonexistent\/ttyEQ0/);
  });
});
