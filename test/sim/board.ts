/**
 * A simulated Espruino board behind a real pseudo-terminal: `socat pty,link=DIR/host STDIO`
 * gives the host a serial device path; the board reads and writes socat's stdio. It speaks
 * the REPL as Espruino does ('>' prompt, echo, 0x10 echo-off lines, Ctrl-C, 2v25 packets
 * with ACK/NAK and a 1 s packet timeout, XON/XOFF when its input buffer fills) and evaluates
 * lines in QuickJS with a memory limit (see vm.ts).
 *
 * Faults (SimOptions.faults): cut the link after N received bytes, corrupt or drop given
 * received bytes, a slow device that drains its input at a fixed rate and sends XOFF/XON
 * (and loses bytes past its buffer, as a real UART would, if the host ignores XOFF),
 * mute (never answers), and a small Storage (storageBytes).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoardVm, type StorageSim, storageWrite, type TfEngine } from "./vm.js";

export interface SimFaults {
  /** Kill the link once this many bytes were received (counted over the board's life). */
  cutAfterBytes?: number;
  /** Received byte indexes to corrupt (xor 0x04) / drop. */
  corruptAt?: number[];
  dropAt?: number[];
  /** Process input at `bytesPerTick` per `tickMs`; XOFF above highWater, XON below lowWater, lose bytes past capacity. */
  slow?: { bytesPerTick: number; tickMs: number; highWater: number; lowWater: number; capacity: number };
  /** Never answer anything. */
  mute?: boolean;
  /** Flip one byte in the payload of every DATA packet (a link that corrupts data). */
  corruptData?: boolean;
}

export interface SimOptions {
  env?: Record<string, string>;
  storageBytes?: number;
  memoryBytes?: number;
  faults?: SimFaults;
  tensorflow?: TfEngine;
}

export interface SimStats {
  received: number;
  xoffSent: number;
  xonSent: number;
  overflowDropped: number;
  packets: number;
  acks: number;
  naks: number;
  cuts: number;
  reboots: number;
  /** Largest QuickJS memory use above baseline seen after a line (bytes). */
  peakMemory: number;
}

const DLE = 0x10;
const SOH = 0x01;

export class SimBoard {
  readonly dir: string;
  readonly hostPath: string;
  readonly storage: StorageSim;
  /** Every line evaluated, in order. */
  readonly executed: string[] = [];
  readonly stats: SimStats = {
    received: 0,
    xoffSent: 0,
    xonSent: 0,
    overflowDropped: 0,
    packets: 0,
    acks: 0,
    naks: 0,
    cuts: 0,
    reboots: 0,
    peakMemory: 0,
  };
  faults: SimFaults;
  private socat: ChildProcess | undefined;
  private stopped = false;
  private vm!: BoardVm;
  private line = "";
  private echoOff = false;
  private lastDle = false;
  private pkt: number[] | undefined;
  private pktTimer: NodeJS.Timeout | undefined;
  private file: { name: string; pos: number; size: number } | undefined;
  private queue: number[] = [];
  private tick: NodeJS.Timeout | undefined;
  private xoff = false;

  private constructor(readonly opts: SimOptions) {
    this.dir = mkdtempSync(join(tmpdir(), "edgeq-sim-"));
    this.hostPath = join(this.dir, "host");
    this.storage = { files: new Map(), capacity: opts.storageBytes ?? 40960 };
    this.faults = opts.faults ?? {};
  }

  static async start(opts: SimOptions = {}): Promise<SimBoard> {
    const b = new SimBoard(opts);
    const env = { BOARD: "PUCKJS", VERSION: "2v25", CONSOLE: "USB", MODULES: "", ...opts.env };
    b.vm = await BoardVm.create({
      env,
      storage: b.storage,
      memoryBytes: opts.memoryBytes ?? 512 * 1024,
      print: (s) => b.out(`${s}\r\n`),
      onReboot: () => {
        b.stats.reboots++;
        b.out(`\r\n Espruino ${env.VERSION} (simulated) rebooted\r\n>`);
      },
      ...(opts.tensorflow ? { tensorflow: opts.tensorflow } : {}),
    });
    await b.connect();
    return b;
  }

  /** (Re)starts socat: the "cable". */
  async connect(): Promise<void> {
    rmSync(this.hostPath, { force: true });
    const p = spawn("socat", [`pty,raw,echo=0,link=${this.hostPath}`, "STDIO"], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    this.socat = p;
    p.stdout!.on("data", (d: Buffer) => this.receive(d));
    p.stdin!.on("error", () => {});
    p.on("exit", () => {
      if (this.socat === p) this.socat = undefined;
    });
    const end = Date.now() + 5000;
    while (!existsSync(this.hostPath)) {
      if (Date.now() > end) throw new Error("socat did not create the pty");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Pulls the cable (the host sees its port close). */
  cut(): void {
    this.stats.cuts++;
    this.socat?.kill("SIGKILL");
    this.socat = undefined;
  }

  private out(s: string | number[]): void {
    if (this.faults.mute || !this.socat) return;
    this.socat.stdin!.write(typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s));
  }

  private receive(d: Buffer): void {
    for (const raw of d) {
      const i = this.stats.received++;
      const f = this.faults;
      if (f.cutAfterBytes !== undefined && i >= f.cutAfterBytes) {
        this.faults = { ...f, cutAfterBytes: undefined };
        this.cut();
        return;
      }
      if (f.dropAt?.includes(i)) continue;
      const b = f.corruptAt?.includes(i) ? raw ^ 0x04 : raw;
      if (f.slow) this.enqueue(b, f.slow);
      else this.byte(b);
    }
  }

  private enqueue(b: number, slow: NonNullable<SimFaults["slow"]>): void {
    if (this.queue.length >= slow.capacity) {
      this.stats.overflowDropped++;
      return;
    }
    this.queue.push(b);
    if (!this.xoff && this.queue.length >= slow.highWater) {
      this.xoff = true;
      this.stats.xoffSent++;
      this.out([0x13]);
    }
    this.tick ??= setInterval(() => {
      for (let k = 0; k < slow.bytesPerTick && this.queue.length > 0; k++) this.byte(this.queue.shift()!);
      if (this.xoff && this.queue.length <= slow.lowWater) {
        this.xoff = false;
        this.stats.xonSent++;
        this.out([0x11]);
      }
      if (this.queue.length === 0 && this.tick) {
        clearInterval(this.tick);
        this.tick = undefined;
      }
    }, slow.tickMs);
  }

  /** One byte into the REPL state machine. */
  private byte(b: number): void {
    if (this.pkt) {
      this.pkt.push(b);
      const p = this.pkt;
      if (p.length >= 2 && p.length >= 2 + (((p[0]! << 8) | p[1]!) & 0x1fff)) this.packetDone();
      return;
    }
    if (b === SOH && this.lastDle) {
      this.lastDle = false;
      this.echoOff = false;
      this.pkt = [];
      this.pktTimer = setTimeout(() => {
        this.pkt = undefined;
        this.stats.naks++;
        this.out([0x15]);
      }, 1000);
      return;
    }
    this.lastDle = false;
    if (b === DLE && this.line === "") {
      this.echoOff = true;
      this.lastDle = true;
      return;
    }
    if (b === 0x03) {
      this.line = "";
      this.echoOff = false;
      this.out("\r\n>");
      return;
    }
    if (b === 0x0a || b === 0x0d) {
      const line = this.line;
      const quiet = this.echoOff;
      this.line = "";
      this.echoOff = false;
      this.execute(line, quiet);
      return;
    }
    this.line += String.fromCharCode(b);
    if (!this.echoOff) this.out([b]);
  }

  private execute(line: string, quiet: boolean): void {
    if (line.trim() === "") {
      if (!quiet) this.out("\r\n>");
      return;
    }
    this.executed.push(line);
    if (!quiet) this.out("\r\n");
    const r = this.vm.eval(line);
    this.stats.peakMemory = Math.max(this.stats.peakMemory, this.vm.memoryUsed());
    if (!r.ok) this.out(`Uncaught ${r.text}\r\n`);
    else if (!quiet) this.out(`=${r.text}\r\n`);
    if (!quiet) this.out(">");
  }

  private packetDone(): void {
    const p = this.pkt!;
    this.pkt = undefined;
    clearTimeout(this.pktTimer);
    this.stats.packets++;
    const flags = (p[0]! << 8) | p[1]!;
    const data = Uint8Array.from(p.slice(2));
    const ok = this.packet(flags & 0xe000, data);
    if (ok) this.stats.acks++;
    else this.stats.naks++;
    this.out([ok ? 0x06 : 0x15]);
  }

  private packet(type: number, data: Uint8Array): boolean {
    try {
      if (type === 0x6000) {
        const h = JSON.parse(Buffer.from(data).toString("latin1")) as { fn?: unknown; s?: unknown };
        if (typeof h.fn !== "string" || typeof h.s !== "number") return false;
        if (!storageWrite(this.storage, h.fn, new Uint8Array(0), 0, h.s)) return false;
        this.file = { name: h.fn, pos: 0, size: h.s };
        return true;
      }
      if (type === 0x8000) {
        const f = this.file;
        if (!f || f.pos + data.length > f.size) return false;
        if (this.faults.corruptData && data.length > 0) data[data.length >> 1]! ^= 0x40;
        storageWrite(this.storage, f.name, data, f.pos, f.size);
        f.pos += data.length;
        return true;
      }
    } catch {
      return false;
    }
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    clearTimeout(this.pktTimer);
    const p = this.socat;
    this.socat = undefined;
    if (p && p.exitCode === null) {
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGTERM");
      await gone;
    }
    this.vm.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
