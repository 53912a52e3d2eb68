/**
 * The Espruino REPL protocol over a Transport: find the prompt, run one echo-off line
 * (0x10 prefix) that prints an acknowledgement token with a JSON result, and the 2v25+
 * packet protocol (DLE SOH, 3-bit type + 13-bit length, ACK 0x06 / NAK 0x15).
 *
 * Safety: every line sent is checked to be printable ASCII only (no newline, Ctrl-C, DLE, ...),
 * and every string that comes from outside (file names, labels, model bytes) is passed
 * through jsString() (JSON with all non-ASCII escaped) or base64, so nothing from a model
 * file can become code on the board.
 */
import { EdgeqError } from "../errors.js";
import type { Transport } from "./transport.js";

export const DLE = 0x10;
export const SOH = 0x01;
export const ACK = 0x06;
export const NAK = 0x15;
export const CTRL_C = 0x03;

export const PT_EVAL = 0x2000;
export const PT_FILE_SEND = 0x6000;
export const PT_DATA = 0x8000;
/** Largest packet payload (13-bit length). */
export const PT_MAX = 0x1fff;

/** A JS string literal for `s`: JSON, with every char outside 0x20..0x7e escaped as \uXXXX. */
export function jsString(s: string): string {
  return JSON.stringify(s).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `atob("...")` for bytes: base64 only, so binary never reaches the console raw. */
export function jsBytes(b: Uint8Array): string {
  return `atob(${jsString(Buffer.from(b).toString("base64"))})`;
}

/** Throws unless `line` is printable ASCII only (what we allow ourselves to send as code). */
export function assertSafeLine(line: string): void {
  if (!/^[\x20-\x7e]*$/.test(line)) {
    const bad = line.match(/[^\x20-\x7e]/)?.[0] ?? "";
    throw new EdgeqError(
      "UNSAFE_LINE",
      `refusing to send a REPL line with control/non-ASCII byte 0x${bad.charCodeAt(0).toString(16)}`,
    );
  }
}

export interface BoardEnv {
  BOARD: string;
  VERSION: string;
  [k: string]: unknown;
}

/** Parses "2v25" / "2v25.13" / "2v24.7" into [major, minor]; [0, 0] when unknown. */
export function parseVersion(v: string): [number, number] {
  const m = /^(\d+)v(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Firmware 2v25 and later understand the packet protocol. */
export function hasPackets(version: string): boolean {
  const [a, b] = parseVersion(version);
  return a > 2 || (a === 2 && b >= 25);
}

export interface ReplOptions {
  /** Timeout for one command's acknowledgement (default 5 s). */
  timeoutMs?: number;
  /** Timeout for a prompt (default 1 s per try) and tries (default 3). */
  promptTimeoutMs?: number;
  promptTries?: number;
}

export class Repl {
  private seq = 0;
  readonly timeoutMs: number;
  readonly promptTimeoutMs: number;
  readonly promptTries: number;
  /** Every line sent as code, for auditing (tests check nothing unsafe was sent). */
  readonly sent: string[] = [];

  constructor(
    readonly t: Transport,
    opts: ReplOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.promptTimeoutMs = opts.promptTimeoutMs ?? 1000;
    this.promptTries = opts.promptTries ?? 3;
  }

  /** Sends Ctrl-C + \n and waits for '>', a few times. */
  async prompt(): Promise<void> {
    for (let i = 0; i < this.promptTries; i++) {
      this.t.clear();
      // Ctrl-C first clears a half-typed line (e.g. from an interrupted session) so that the
      // newline cannot execute a fragment; then '\n' makes the REPL print its prompt
      await this.t.write("\x03\n");
      try {
        await this.t.waitFor((rx) => (rx.includes(">") ? true : undefined), this.promptTimeoutMs, "prompt");
        // let any trailing output settle, then start from a clean buffer
        await new Promise((r) => setTimeout(r, 20));
        this.t.clear();
        return;
      } catch (e) {
        if (!(e instanceof EdgeqError) || e.code !== "TIMEOUT") throw e;
      }
    }
    throw new EdgeqError(
      "NO_PROMPT",
      `no Espruino prompt ('>') after ${this.promptTries} tries (Ctrl-C + newline); check the baud rate, that the board runs Espruino, and that its console is on this port`,
      this.t.where,
    );
  }

  private async run(stmts: string, expr: string, timeoutMs: number): Promise<unknown> {
    const id = ++this.seq;
    // The token is split in the source so that it never appears literally in what we send.
    const ok = `"<EQ"+"${id}|"`;
    const err = `"<EQ"+"${id}!"`;
    const end = `"|EQ"+"${id}>"`;
    const body = `try{${stmts}print(${ok}+JSON.stringify(${expr})+${end})}catch(__e){print(${err}+JSON.stringify(String(__e))+${end})}`;
    assertSafeLine(body);
    this.sent.push(body);
    await this.t.write(`\x10${body}\n`);
    const re = new RegExp(`<EQ${id}([|!])([\\s\\S]*?)\\|EQ${id}>`);
    // an error outside our try/catch (syntax error from a garbled line, out of memory) comes as
    // "Uncaught ..." or "ERROR: ..." from the console: fail fast instead of waiting for the timeout
    const uncaught = /(?:Uncaught |ERROR: )([^\r\n]*)\r?\n/;
    const m = await this.t.waitFor(
      (rx) => {
        const ok = re.exec(rx);
        if (ok) return ok;
        const u = uncaught.exec(rx);
        if (u) {
          this.t.rx = rx.slice(u.index + u[0].length);
          throw new EdgeqError("BOARD_ERROR", `the board reported: ${u[1]}`, this.t.where);
        }
        return undefined;
      },
      timeoutMs,
      `command ${id}`,
    );
    this.t.rx = this.t.rx.slice(m.index + m[0].length);
    const payload = m[2] ?? "";
    const value: unknown = payload === "" || payload === "undefined" ? undefined : JSON.parse(payload);
    if (m[1] === "!")
      throw new EdgeqError("BOARD_ERROR", `the board reported: ${String(value)}`, this.t.where);
    return value;
  }

  /**
   * Runs `body` as a function body on the board (use `return`); resolves with the JSON value
   * returned. Throws BOARD_ERROR for an exception on the board, TIMEOUT without an answer.
   */
  async call(body: string, timeoutMs: number = this.timeoutMs): Promise<unknown> {
    return this.run("", `(function(){${body}})()`, timeoutMs);
  }

  /** Runs `stmts` at top level (so `var`s are global), then acknowledges. */
  async exec(stmts: string, timeoutMs: number = this.timeoutMs): Promise<void> {
    await this.run(`${stmts};`, "0", timeoutMs);
  }

  /** Reads process.env (BOARD, VERSION, ...). */
  async env(): Promise<BoardEnv> {
    const env = (await this.call("return process.env")) as BoardEnv | undefined;
    if (!env || typeof env.BOARD !== "string" || typeof env.VERSION !== "string") {
      throw new EdgeqError(
        "NOT_ESPRUINO",
        "process.env on the board has no BOARD/VERSION: is this an Espruino board?",
        this.t.where,
      );
    }
    return env;
  }

  /** Sends one packet; resolves true on ACK, false on NAK, throws TIMEOUT on neither. */
  async packet(type: number, data: Uint8Array, timeoutMs: number = this.timeoutMs): Promise<boolean> {
    if (data.length > PT_MAX)
      throw new EdgeqError("PACKET", `packet of ${data.length} bytes exceeds ${PT_MAX}`);
    const flags = type | data.length;
    const head = Uint8Array.of(DLE, SOH, (flags >> 8) & 0xff, flags & 0xff);
    const start = this.t.rx.length;
    const pkt = new Uint8Array(4 + data.length);
    pkt.set(head, 0);
    pkt.set(data, 4);
    await this.t.write(pkt);
    const r = await this.t.waitFor(
      (rx) => {
        for (let i = start; i < rx.length; i++) {
          const c = rx.charCodeAt(i);
          if (c === ACK || c === NAK) return { ack: c === ACK, at: i };
        }
        return undefined;
      },
      timeoutMs,
      "packet ACK",
    );
    this.t.rx = this.t.rx.slice(0, r.at) + this.t.rx.slice(r.at + 1);
    return r.ack;
  }

  /** Ctrl-C, then a fresh prompt: recovers the console after a garbled or lost line. */
  async resync(): Promise<void> {
    await this.t.write("\x03");
    await new Promise((r) => setTimeout(r, 50));
    await this.prompt();
  }
}
