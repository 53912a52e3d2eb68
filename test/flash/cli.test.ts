/**
 * The commands as a user runs them (bin/edgeq.js in a child process): edgeq fit, edgeq flash
 * against the simulated board's pty, edgeq ports, --help, and their errors.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_RUNTIME } from "../../boards/check.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { kwsDsCnn } from "../boards/models.js";
import { SimBoard } from "../sim/board.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const REF = fileURLToPath(new URL("../../../shared/reference-models/", import.meta.url));
const hello = join(REF, "hello_world_int8.tflite");
const tmp = mkdtempSync(join(tmpdir(), "edgeq-cli-"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/edgeq.js asynchronously (the simulated board lives in this process's event loop). */
function edgeq(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "node",
      [join(root, "bin/edgeq.js"), ...args],
      { cwd: root, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const sims: SimBoard[] = [];
afterAll(async () => {
  for (const s of sims) await s.stop();
});

describe("edgeq fit / flash / ports", () => {
  it("fit hello_world_int8 --board all --json: 18 boards, arena from the runtime, per-model runtime smaller than the full one; with --runtime full: Puck.js fits, ESP8266 too big", async () => {
    type Fit = {
      summary: { arenaSource: string; modelBytes: number };
      runtimeBytes: number;
      runtimeSource: string;
      boards: { board: { id: string }; verdict: string; flash: { modelFile: number } }[];
    };
    const full = await edgeq("fit", hello, "--board", "all", "--json", "--runtime", DEFAULT_RUNTIME);
    expect(full.code).toBe(0);
    const j = JSON.parse(full.stdout) as Fit;
    expect(j.boards).toHaveLength(18);
    expect(j.summary.arenaSource).toBe("runtime");
    expect(j.summary.modelBytes).toBe(2704);
    expect(j.runtimeSource).toBe(DEFAULT_RUNTIME);
    const v = Object.fromEntries(j.boards.map((b) => [b.board.id, b.verdict]));
    expect(v.puckjs).toBe("fits");
    expect(v.esp8266).toBe("too big");
    expect(j.boards[0]!.flash.modelFile).toBe(2736);
    // the default: the per-model bundle edgeq flash uploads (hello_world is one op type)
    const own = await edgeq("fit", hello, "--board", "all", "--json");
    expect(own.code).toBe(0);
    const k = JSON.parse(own.stdout) as Fit;
    expect(k.runtimeSource).toBe("per-model bundle (FULLY_CONNECTED)");
    expect(k.runtimeBytes).toBeLessThan(j.runtimeBytes);
    expect(k.summary.arenaSource).toBe("runtime");
  });

  it("fit KWS DS-CNN C=96 --board puckjs: 'too big' in the table, exit code 1, latency marked as an estimate scaled from measurements on the Linux build", async () => {
    const f = join(tmp, "kws96.tflite");
    writeFileSync(f, writeTflite(kwsDsCnn(1, 96)));
    const r = await edgeq("fit", f, "--board", "puckjs");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Puck\.js\s+too big/);
    expect(r.stdout).toMatch(
      /Latency is an ESTIMATE, scaled from measurements of the real Espruino interpreter on its Linux build/,
    );
    expect(r.stdout).toMatch(/Puck\.js x\d+\.\d/);
  });

  it("fit --board-file with a bad field: exit 2, message names the file and the field", async () => {
    const bad = join(tmp, "bad-board.json");
    writeFileSync(bad, JSON.stringify({ id: "x", name: "X" }));
    const r = await edgeq("fit", hello, "--board-file", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/field 'mcu' is missing/);
  });

  it("fit with a missing model file: exit 2, says which file", async () => {
    const r = await edgeq("fit", join(tmp, "nope.tflite"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read model .*nope\.tflite/);
  });

  it("flash hello_world_int8 --check hello_in_-96.raw to the simulated Puck.js: output bytes identical, [89]", async () => {
    const s = await SimBoard.start({ env: { BOARD: "PUCKJS", VERSION: "2v25" } });
    sims.push(s);
    const r = await edgeq(
      "flash",
      hello,
      "--port",
      s.hostPath,
      "--baud",
      "921600",
      "--check",
      join(REF, "hello_in_-96.raw"),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/board: Puck\.js \(BOARD=PUCKJS, firmware 2v25\), packet protocol/);
    expect(r.stdout).toMatch(/board \[89\]/);
    expect(r.stdout).toMatch(/output bytes identical/);
  });

  it("flash --board pico to a Puck.js: exit 2 with the wrong-board message", async () => {
    const s = await SimBoard.start({ env: { BOARD: "PUCKJS", VERSION: "2v25" } });
    sims.push(s);
    const r = await edgeq("flash", hello, "--port", s.hostPath, "--board", "pico");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--board pico expects process.env.BOARD PICO_R1_3, but the board .* says "PUCKJS"/,
    );
  });

  it("flash to a missing port: exit 2, 'cannot open serial port'", async () => {
    const r = await edgeq("flash", hello, "--port", join(tmp, "no-such-tty"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot open serial port .*no-such-tty/);
  });

  it("ports --json prints a JSON array; --help of fit, flash, ports lists their options", async () => {
    const p = await edgeq("ports", "--json");
    expect(p.code).toBe(0);
    expect(Array.isArray(JSON.parse(p.stdout))).toBe(true);
    // without udevadm (containers, CI) the fallback says so on stderr, and still exits 0
    const plain = await edgeq("ports");
    expect(plain.code).toBe(0);
    expect(plain.stdout.length + plain.stderr.length).toBeGreaterThan(0);
    const help = await Promise.all([
      edgeq("fit", "--help"),
      edgeq("flash", "--help"),
      edgeq("ports", "--help"),
    ]);
    expect(help[0]!.stdout).toMatch(/--board/);
    expect(help[1]!.stdout).toMatch(/--port[\s\S]*--check[\s\S]*--baud[\s\S]*--engine/);
    expect(help[2]!.stdout).toMatch(/List serial ports/);
  });
});
