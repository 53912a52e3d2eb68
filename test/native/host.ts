/**
 * The native kernels on the host: kernels.c compiled with the system cc (test/native/host-main.c,
 * with UndefinedBehaviorSanitizer: any overflow or bad shift in the C is an error), behind a stand-in for Espruino's E:
 * getAddressOf gives each ArrayBuffer an address in one simulated memory image, nativeCall
 * returns a function that writes the image, runs the host build on it and reads it back. The
 * add-on's glue (runtime-int8/native/addon.ts) runs unchanged on top of it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "../../runtime-int8/native/build.js";

const here = dirname(fileURLToPath(import.meta.url));
let exe = "";
let work = "";

/** Builds the host harness once per process; returns its path. */
export function hostExe(): string {
  if (exe) return exe;
  work = mkdtempSync(join(tmpdir(), "edgeq-native-host-"));
  exe = join(work, "edgeq-native-host");
  execFileSync("cc", [
    "-O1",
    "-g",
    "-fsanitize=undefined",
    "-fno-sanitize-recover=all",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-o",
    exe,
    join(here, "host-main.c"),
  ]);
  return exe;
}

export interface HostE {
  getAddressOf(v: { buffer?: ArrayBuffer; byteOffset?: number }, flat: boolean): number;
  nativeCall(addr: number, sig: string, code: string): (kind: number, p: number) => number;
  CRC32(s: string): number;
  /** Native calls made, by kind. */
  calls: number[];
}

/**
 * A stand-in E over the host build. nonFlat(buffer) true makes getAddressOf answer 0 for that
 * buffer (as Espruino does for a non-flat array), so the glue copies or declines.
 */
export function hostE(nonFlat: (b: ArrayBuffer) => boolean = () => false): HostE {
  const bin = hostExe();
  const bases = new Map<ArrayBuffer, number>();
  let top = 64;
  const base = (b: ArrayBuffer) => {
    let a = bases.get(b);
    if (a === undefined) {
      a = top;
      // 16-aligned, a gap between buffers
      top = (top + b.byteLength + 64 + 15) & ~15;
      bases.set(b, a);
    }
    return a;
  };
  const E: HostE = {
    calls: [0, 0, 0, 0],
    getAddressOf(v, flat) {
      if (!flat || !v.buffer || nonFlat(v.buffer)) return 0;
      return base(v.buffer) + (v.byteOffset ?? 0);
    },
    CRC32(s) {
      const b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
      return crc32(b);
    },
    nativeCall(addr, sig, code) {
      if (addr !== 1 || sig !== "int(int,int)" || !code.length)
        throw new Error("host E: unexpected nativeCall");
      return (kind, p) => {
        const img = Buffer.alloc(12 + top);
        img.writeUInt32LE(kind, 0);
        img.writeUInt32LE(p, 4);
        img.writeUInt32LE(top, 8);
        for (const [b, a] of bases) Buffer.from(b).copy(img, 12 + a);
        const fin = join(work, "in.bin");
        const fout = join(work, "out.bin");
        writeFileSync(fin, img);
        const r = spawnSync(bin, [fin, fout], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`host kernels failed (${r.status} ${r.signal}): ${r.stderr}`);
        const out = readFileSync(fout);
        for (const [b, a] of bases) new Uint8Array(b).set(out.subarray(4 + a, 4 + a + b.byteLength));
        E.calls[kind] = (E.calls[kind] ?? 0) + 1;
        return out.readInt32LE(0);
      };
    },
  };
  return E;
}
