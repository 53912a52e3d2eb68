/**
 * `npm run build:native`: builds the native add-on.
 *  1. kernels.c -> a raw position-independent Thumb-2 blob with Debian's arm-none-eabi-gcc
 *     (-mcpu=cortex-m4 -mthumb -Os -ffreestanding -nostdlib -fPIE; gcc's own freestanding headers,
 *     no newlib), linked twice at different addresses: the build fails unless both links give
 *     the same bytes, nothing but .text is allocated (no data, bss, GOT, relocations), no symbol
 *     is undefined or a library helper (__aeabi_*, __gnu_*, mem*), the entry is at offset 0, and
 *     the blob is <= 4 KB. Writes blob.generated.ts (committed: users need no ARM compiler).
 *     Without arm-none-eabi-gcc (or with --addon-only) the committed blob.generated.ts is used.
 *  2. addon-bundle.ts (+ the blob, base64) -> dist/edgeq-rt-native.js / .min.js: ES5, minified
 *     with the core's property names (the core's own minification is redone and compared with
 *     build.ts's output, so a change there fails here rather than giving a mismatched pair).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildRuntime, type RuntimeBundle } from "../build.js";
import { es5, min } from "../bundle-lib.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The blob's compiler flags (also what `kernels.c` is written for). */
export const ARM_FLAGS = [
  "-mcpu=cortex-m4",
  "-mthumb",
  "-Os",
  "-ffreestanding",
  "-nostdlib",
  "-fPIE",
  "-ffunction-sections",
  // (no memset / memcpy calls made up from loops)
  "-fno-tree-loop-distribute-patterns",
  "-Wall",
  "-Wextra",
  "-Werror",
];

/** Largest blob the add-on may carry. */
export const MAX_BLOB = 4096;

export const GENERATED = join(here, "blob.generated.ts");

export interface Blob {
  bytes: Uint8Array;
  /** Offset of edgeq_native (the entry) in the blob. */
  entry: number;
  crc32: number;
}

/** CRC-32 (IEEE, reflected 0xEDB88320), as Espruino's E.CRC32. */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Whether arm-none-eabi-gcc is on the PATH. */
export function haveArmGcc(): boolean {
  try {
    run("arm-none-eabi-gcc", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** Compiles kernels.c to the blob and checks it (see the file comment); throws on any failed check. */
export function compileBlob(): Blob {
  const dir = mkdtempSync(join(tmpdir(), "edgeq-native-"));
  try {
    const obj = join(dir, "kernels.o");
    run("arm-none-eabi-gcc", [...ARM_FLAGS, "-c", join(here, "kernels.c"), "-o", obj]);
    const link = (base: number) => {
      const ld = join(dir, `link-${base}.ld`);
      writeFileSync(
        ld,
        `SECTIONS { . = ${base}; .text : { KEEP(*(.text.entry)) *(.text*) *(.rodata*) } ` +
          "/DISCARD/ : { *(.ARM.exidx*) *(.ARM.extab*) *(.comment) } }\n",
      );
      const elf = join(dir, `k-${base}.elf`);
      run("arm-none-eabi-gcc", [
        ...ARM_FLAGS,
        "-static",
        "-Wl,-T," + ld,
        "-Wl,--gc-sections",
        "-e",
        "edgeq_native",
        obj,
        "-o",
        elf,
      ]);
      const sections = run("arm-none-eabi-readelf", ["-S", "-W", elf]);
      for (const line of sections.split("\n")) {
        const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)/.exec(
          line,
        );
        if (!m) continue;
        const [, name, size, flags] = m as unknown as [string, string, string, string];
        if (flags.includes("A") && name !== ".text" && Number.parseInt(size, 16) > 0)
          throw new Error(
            `build-native: section ${name} (${size} bytes) besides .text: the blob must hold code only`,
          );
        if (/^\.rel/.test(name)) throw new Error(`build-native: relocation section ${name}`);
      }
      const syms = run("arm-none-eabi-nm", [elf]);
      for (const line of syms.split("\n")) {
        const m = /^\s*([0-9a-f]*)\s+(\S)\s+(\S+)$/.exec(line);
        if (!m) continue;
        if (m[2] === "U") throw new Error(`build-native: undefined symbol ${m[3]}`);
        if (/^(__aeabi|__gnu|mem|__.*div|__.*mul)/.test(m[3] as string))
          throw new Error(`build-native: library helper ${m[3]} in the blob`);
      }
      const entry = /^([0-9a-f]+) T edgeq_native$/m.exec(syms);
      if (!entry) throw new Error("build-native: no edgeq_native");
      const bin = join(dir, `k-${base}.bin`);
      run("arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", elf, bin]);
      return {
        bytes: new Uint8Array(readFileSync(bin)),
        entry: Number.parseInt(entry[1] as string, 16) - base,
      };
    };
    const a = link(0);
    const b = link(0x20010000);
    if (Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)) !== 0 || a.entry !== b.entry)
      throw new Error("build-native: the blob's bytes depend on its link address (not position-independent)");
    if (a.entry !== 0) throw new Error(`build-native: edgeq_native at offset ${a.entry}, expected 0`);
    if (a.bytes.length > MAX_BLOB) throw new Error(`build-native: blob ${a.bytes.length} B > ${MAX_BLOB} B`);
    return { bytes: a.bytes, entry: a.entry, crc32: crc32(a.bytes) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of blob.generated.ts for `blob`. */
export function generatedSource(blob: Blob): string {
  const b64 = Buffer.from(blob.bytes).toString("base64");
  const lines = b64.match(/.{1,96}/g) ?? [];
  return (
    "// GENERATED by runtime-int8/native/build.ts from kernels.c (arm-none-eabi-gcc " +
    `${ARM_FLAGS.slice(0, 6).join(" ")}). Do not edit: run \`npm run build:native\`.\n` +
    "// The native kernels' position-independent Thumb-2 blob, base64; its size, CRC32 and entry offset.\n" +
    `export const BLOB =\n${lines.map((l) => `  "${l}"`).join(" +\n")};\n` +
    `export const BLOB_BYTES = ${blob.bytes.length};\n` +
    `export const BLOB_CRC32 = 0x${blob.crc32.toString(16).padStart(8, "0")};\n` +
    `export const ENTRY = ${blob.entry};\n`
  );
}

/** The committed blob (blob.generated.ts), decoded. */
export function committedBlob(): Blob {
  const src = readFileSync(GENERATED, "utf8");
  const b64 = [...src.matchAll(/^ {2}"([A-Za-z0-9+/=]+)"/gm)].map((m) => m[1]).join("");
  const bytes = new Uint8Array(Buffer.from(b64, "base64"));
  const num = (name: string) => Number(new RegExp(`${name} = (0x[0-9a-f]+|\\d+);`).exec(src)?.[1]);
  const blob = { bytes, entry: num("ENTRY"), crc32: num("BLOB_CRC32") };
  if (num("BLOB_BYTES") !== bytes.length || crc32(bytes) !== blob.crc32)
    throw new Error("build-native: blob.generated.ts is inconsistent (size or CRC32); rebuild it");
  return blob;
}

/** Espruino names the add-on reads (beside the core's public names, bundle-lib.ts's PUBLIC). */
const NATIVE_PUBLIC = ["nativeCall", "getAddressOf", "CRC32", "env", "BOARD"];

const FOOTER =
  'if (typeof edgeqrt !== "undefined" && edgeqrt && edgeqrt.use) edgeqrt.use(edgeqrtNative);\n' +
  'if (typeof module !== "undefined" && module.exports) module.exports = edgeqrtNative;';

export interface NativeAddon {
  /** ES5, readable. */
  code: string;
  /** ES5, minified with the core's property names (use with the core built by the same sources). */
  min: string;
  gzipBytes: number;
  blobBytes: number;
}

/** Bundles the add-on (blob from blob.generated.ts) in memory; `core`: the core built by runtime-int8/build.ts (built here if not given). */
export async function buildNativeAddon(core?: RuntimeBundle): Promise<NativeAddon> {
  const code = await es5("native/addon-bundle.ts", "edgeqrtNative", FOOTER);
  // the core's property-name cache: its minification redone (build.ts minifies the core first, from an empty cache)
  const built = core ?? (await buildRuntime());
  const cache = {};
  if ((await min(built.code, cache, true)) !== built.min)
    throw new Error(
      "build-native: redoing the core's minification (bundle-lib.ts min) did not give the built core",
    );
  const m = await min(code, cache, false, NATIVE_PUBLIC);
  return {
    code,
    min: m,
    gzipBytes: gzipSync(m, { level: 9 }).length,
    blobBytes: committedBlob().bytes.length,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const addonOnly = process.argv.includes("--addon-only");
  if (process.argv.includes("--help")) {
    process.stdout.write(
      "npm run build:native [-- --addon-only]\n  compiles runtime-int8/native/kernels.c (arm-none-eabi-gcc) into blob.generated.ts and\n" +
        "  bundles dist/edgeq-rt-native.js / .min.js; --addon-only (or no arm-none-eabi-gcc) uses the committed blob\n",
    );
    process.exit(0);
  }
  if (!addonOnly && haveArmGcc()) {
    const blob = compileBlob();
    writeFileSync(GENERATED, generatedSource(blob));
    process.stdout.write(
      `runtime-int8/native/blob.generated.ts: blob ${blob.bytes.length} B, CRC32 ${blob.crc32.toString(16)}, entry ${blob.entry} (position-independent, code only)\n`,
    );
  } else {
    process.stdout.write("build-native: using the committed blob.generated.ts (no compile)\n");
  }
  const a = await buildNativeAddon();
  const out = join(here, "../dist");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "edgeq-rt-native.js"), a.code);
  writeFileSync(join(out, "edgeq-rt-native.min.js"), a.min);
  writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
  process.stdout.write(
    `runtime-int8/dist: edgeq-rt-native.js ${a.code.length} B, edgeq-rt-native.min.js ${a.min.length} B, gzip ${a.gzipBytes} B (blob ${a.blobBytes} B)\n`,
  );
}
