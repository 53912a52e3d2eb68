/**
 * The real Espruino interpreter as a board on a serial port: `espruino-vb` (the virtual-board
 * build: EOF and Ctrl-D never end it) behind a socat pseudo-terminal pair, as
 * ../shared/espruino/README.md shows. It runs in a fresh temp directory (its cwd), so its Storage
 * (`espruino.flash`, 256 KB, not memory-mapped) starts empty; `stop()` kills the interpreter and
 * socat with SIGKILL (the interpreter ignores SIGTERM) and removes the directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESPRUINO_VB } from "./espruino.js";

/** The board record of the Linux virtual board (a test fixture, not a shipped board). */
export const VB_BOARD_FILE: string = fileURLToPath(new URL("linux-vb.json", import.meta.url));

export class VirtualBoard {
  private constructor(
    readonly dir: string,
    /** The host side of the pty: pass it as `--port`. */
    readonly port: string,
    private readonly socat: ChildProcess,
  ) {}

  static async start(): Promise<VirtualBoard> {
    if (!existsSync(ESPRUINO_VB)) throw new Error(`no ${ESPRUINO_VB} (see ../shared/espruino/README.md)`);
    const dir = mkdtempSync(join(tmpdir(), "edgeq-vb-"));
    const port = join(dir, "tty");
    const socat = spawn(
      "socat",
      [`PTY,link=${port},raw,echo=0,ignoreeof`, `EXEC:${ESPRUINO_VB},pty,raw,echo=0`],
      { cwd: dir, stdio: "ignore" },
    );
    const vb = new VirtualBoard(dir, port, socat);
    const end = Date.now() + 5000;
    while (!existsSync(port)) {
      if (Date.now() > end || socat.exitCode !== null) {
        await vb.stop();
        throw new Error("socat did not create the pty for espruino-vb within 5 s");
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return vb;
  }

  /** The interpreter's process ids (socat's children). */
  private children(): number[] {
    const pid = this.socat.pid;
    if (pid === undefined) return [];
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  /** Bytes of the board's Storage file (what a flash wrote), or undefined before the first write. */
  storageFile(): Buffer | undefined {
    const f = join(this.dir, "espruino.flash");
    return existsSync(f) ? readFileSync(f) : undefined;
  }

  async stop(): Promise<void> {
    for (const c of this.children()) {
      try {
        process.kill(c, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (this.socat.exitCode === null && this.socat.signalCode === null) {
      const exited = new Promise((r) => this.socat.once("exit", r));
      this.socat.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes a copy of the virtual board's record with changes (e.g. a smaller Storage) to `dir`. */
export function vbBoardFile(dir: string, changes: Record<string, unknown>): string {
  const f = join(dir, "linux-vb.json");
  writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(VB_BOARD_FILE, "utf8")), ...changes }));
  return f;
}
