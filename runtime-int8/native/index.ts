/**
 * For the host tools (edgeq flash / fit, `--engine native`): the built native add-on's text and
 * size, and which boards can take it. The add-on is dist/edgeq-rt-native.min.js, written by
 * `npm run build:native` (build.ts) next to the core it was minified with (dist/edgeq-rt.min.js
 * from `npm run build:rt`: upload the pair built together).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BLOB_BYTES } from "./blob.generated.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Default location of the built add-on. */
export const NATIVE_ADDON_FILE = join(here, "../dist/edgeq-rt-native.min.js");

export interface NativeAddonFile {
  /** The add-on script (ES5): evaluate it after the core; it installs itself with edgeqrt.use. */
  code: string;
  /** Its size in bytes (what a board's Storage holds). */
  bytes: number;
  /** Bytes of the machine code inside (E.nativeCall copies it into one flat string of this size in RAM). */
  blobBytes: number;
}

/** The built add-on (file: default dist/edgeq-rt-native.min.js); throws if it was not built. */
export function nativeAddon(file: string = NATIVE_ADDON_FILE): NativeAddonFile {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run build:native\` (after \`npm run build:rt\`)`);
  const code = readFileSync(file, "utf8");
  return { code, bytes: Buffer.byteLength(code), blobBytes: BLOB_BYTES };
}

/**
 * Whether a board with this core / architecture can run the blob: ARMv7E-M (Cortex-M4, M4F, M7:
 * Thumb-2 with the DSP instructions). Not Cortex-M0/M3 (no SMLAD / SXTB16), not ESP32 / ESP8266.
 * Accepts a board record's `core` ("Cortex-M4F") or an architecture name ("armv7e-m").
 */
export function boardTakesNative(arch: string | undefined): boolean {
  return /^(armv7e-?m|cortex-m4f?|cortex-m7f?)$/i.test((arch ?? "").trim());
}

/** process.env.BOARD values on which the add-on turns itself on (the rest need the global EDGEQ_NATIVE set first). */
export const NATIVE_BOARDS = [
  "BANGLEJS",
  "BANGLEJS2",
  "JOLTJS",
  "MDBT42Q",
  "PICO_R1_3",
  "PIXLJS",
  "PUCKJS",
  "ESPRUINOWIFI",
];
