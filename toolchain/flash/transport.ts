/**
 * Byte transport over a serial port (npm serialport): a receive buffer that can be waited on,
 * software XON/XOFF flow control (0x13 pauses our writes, 0x11 resumes; both are removed from
 * the received text), chunked writes that wait for the OS to drain, and clear errors when the
 * link goes away.
 */
import { readdirSync } from "node:fs";
import { SerialPort } from "serialport";
import { EdgeqError } from "../errors.js";

export const XON = 0x11;
export const XOFF = 0x13;

/** What the transport needs from a port; SerialPort satisfies it. */
export interface PortLike {
  write(data: Buffer, cb?: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  on(ev: "data", cb: (d: Buffer) => void): unknown;
  on(ev: "close" | "error", cb: (e?: Error) => void): unknown;
  readonly isOpen: boolean;
}

export interface TransportOptions {
  /** Bytes written per port.write before waiting for drain and checking XOFF (default 64). */
  chunkBytes?: number;
  /** Longest pause after an XOFF before giving up (default 10 s). */
  xoffTimeoutMs?: number;
  /** Called with every received byte block (raw, before XON/XOFF removal); for debugging. */
  onRx?: (d: Uint8Array) => void;
}

export class Transport {
  /** Received bytes (latin1 string: one char per byte), XON/XOFF removed. */
  rx = "";
  paused = false;
  xoffCount = 0;
  closed = false;
  closeReason: string | undefined;
  private waiters: (() => void)[] = [];
  private readonly chunkBytes: number;
  private readonly xoffTimeoutMs: number;

  constructor(
    readonly port: PortLike,
    readonly where: string,
    opts: TransportOptions = {},
  ) {
    this.chunkBytes = opts.chunkBytes ?? 64;
    this.xoffTimeoutMs = opts.xoffTimeoutMs ?? 10_000;
    port.on("data", (d: Buffer) => {
      opts.onRx?.(d);
      let s = "";
      for (const b of d) {
        if (b === XOFF) {
          this.paused = true;
          this.xoffCount++;
        } else if (b === XON) this.paused = false;
        else s += String.fromCharCode(b);
      }
      this.rx += s;
      this.wake();
    });
    port.on("close", () => this.lost("the serial port closed"));
    port.on("error", (e?: Error) => this.lost(`serial port error: ${e?.message ?? "unknown"}`));
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private linkError(): EdgeqError {
    return new EdgeqError(
      "LINK_LOST",
      `lost the link to the board: ${this.closeReason ?? "closed"}; check the cable/connection and run the command again`,
      this.where,
    );
  }

  /** Resolves on the next received data, XON, close, or after `ms`. */
  private next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== done);
        resolve();
      }, ms);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  /**
   * Waits until `test(rx)` returns a value other than undefined and returns it; throws
   * EdgeqError TIMEOUT after `timeoutMs`, LINK_LOST when the port goes away.
   */
  async waitFor<T>(test: (rx: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = test(this.rx);
      if (r !== undefined) return r;
      if (this.closed) throw this.linkError();
      const left = end - Date.now();
      if (left <= 0)
        throw new EdgeqError(
          "TIMEOUT",
          `no answer from the board within ${timeoutMs} ms (${what})`,
          this.where,
        );
      await this.next(left);
    }
  }

  /** Writes bytes in chunks, honouring XOFF between chunks. */
  async write(data: Uint8Array | string): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data);
    for (let off = 0; off < buf.length; off += this.chunkBytes) {
      if (this.paused) {
        const end = Date.now() + this.xoffTimeoutMs;
        while (this.paused && !this.closed) {
          const left = end - Date.now();
          if (left <= 0) {
            throw new EdgeqError(
              "XOFF_TIMEOUT",
              `the board paused the link (XOFF) and did not resume within ${this.xoffTimeoutMs} ms`,
              this.where,
            );
          }
          await this.next(left);
        }
      }
      if (this.closed) throw this.linkError();
      const part = buf.subarray(off, off + this.chunkBytes);
      // write + drain; either can hang forever once the other end is gone, so race them with close
      await this.untilClosed((done) => {
        this.port.write(part, (err) => {
          if (err) this.lost(err.message);
          else this.port.drain(() => done());
        });
      });
      if (this.closed) throw this.linkError();
    }
  }

  /** Runs `start(done)` and resolves when it calls done() or the link closes. */
  private async untilClosed(start: (done: () => void) => void): Promise<void> {
    let finished = false;
    start(() => {
      finished = true;
      this.wake();
    });
    while (!finished && !this.closed) await this.next(1000);
  }

  /** Drops everything received so far. */
  clear(): void {
    this.rx = "";
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closeReason ??= "closed by us";
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

/** Opens a serial port; EdgeqError NO_PORT when it cannot be opened. */
export async function openPort(
  path: string,
  baudRate: number,
  opts: TransportOptions = {},
): Promise<Transport> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) {
        reject(
          new EdgeqError(
            "NO_PORT",
            `cannot open serial port ${path}: ${err.message}; run 'edgeq ports' to list ports, and check the board is plugged in and no other program holds the port`,
            path,
          ),
        );
      } else resolve();
    });
  });
  return new Transport(port, path, opts);
}

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Serial ports and how they were found. */
export interface PortList {
  ports: PortInfo[];
  /** "serialport" (udev on Linux) or "device-nodes" (udevadm missing: /dev scanned by name). */
  method: "serialport" | "device-nodes";
  /** Why the fallback ran, for the user (absent when the normal lister worked). */
  note?: string;
}

/** Device names of serial ports on Linux: USB CDC/ACM and USB-serial bridges, on-chip UARTs, Bluetooth RFCOMM. */
const SERIAL_NODE = /^(ttyACM\d+|ttyUSB\d+|ttyAMA\d+|ttyS\d+|ttyTHS\d+|rfcomm\d+)$/;

/** Serial device nodes in `dir` (default /dev), sorted; no details (those need udev). */
export function listDeviceNodes(dir = "/dev"): PortInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => SERIAL_NODE.test(n))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((n) => ({ path: `${dir}/${n}` }));
}

/**
 * Lists serial ports with SerialPort.list(); where that fails because udevadm is missing (containers,
 * CI, minimal systems) lists the serial device nodes in /dev instead and says so in `note`.
 */
export async function listPorts(): Promise<PortList> {
  try {
    const ports = await SerialPort.list();
    return {
      method: "serialport",
      ports: ports.map((p) => ({
        path: p.path,
        manufacturer: p.manufacturer,
        serialNumber: p.serialNumber,
        vendorId: p.vendorId,
        productId: p.productId,
      })),
    };
  } catch (e) {
    const why = (e as Error).message || String(e);
    if (process.platform !== "linux") {
      throw new EdgeqError("flash/ports", `cannot list serial ports: ${why}`);
    }
    return {
      method: "device-nodes",
      ports: listDeviceNodes(),
      note: `could not ask udev for serial ports (${why}); listed the serial device nodes in /dev instead (no manufacturer or USB ids). Install udev (udevadm) for details.`,
    };
  }
}
