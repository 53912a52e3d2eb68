/**
 * (d) The committed blob (runtime-int8/native/blob.generated.ts) is what kernels.c builds to:
 * rebuilt here with arm-none-eabi-gcc (installed by .ci/run), with the build's own checks (bytes
 * independent of the link address, code only, no library calls, entry at 0, <= 4 KB); and the
 * built add-on is ES5 and carries that blob.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "acorn";
import { describe, expect, it } from "vitest";
import {
  buildNativeAddon,
  committedBlob,
  compileBlob,
  GENERATED,
  generatedSource,
  haveArmGcc,
  MAX_BLOB,
} from "../../runtime-int8/native/build.js";
import { boardTakesNative, nativeAddon } from "../../runtime-int8/native/index.js";

describe("native blob", () => {
  it("arm-none-eabi-gcc is installed (.ci/run installs gcc-arm-none-eabi)", () => {
    expect(haveArmGcc()).toBe(true);
  });

  it("rebuilding kernels.c gives the committed blob.generated.ts, byte for byte", () => {
    const blob = compileBlob();
    expect(blob.bytes.length).toBeLessThanOrEqual(MAX_BLOB);
    expect(Buffer.from(blob.bytes).equals(Buffer.from(committedBlob().bytes))).toBe(true);
    expect(generatedSource(blob)).toBe(readFileSync(GENERATED, "utf8"));
  }, 60000);

  it("the add-on bundle is ES5, carries the blob, and nativeAddon() reports its bytes", async () => {
    const a = await buildNativeAddon();
    expect(() => parse(a.min, { ecmaVersion: 5 })).not.toThrow();
    const b64 = Buffer.from(committedBlob().bytes).toString("base64");
    expect(a.min.replace(/"\s*\+\s*"/g, "")).toContain(b64.slice(0, 200));
    expect(a.min).not.toMatch(/Math\.(imul|clz32|fround)|BYTES_PER_ELEMENT/);
    const dir = mkdtempSync(join(tmpdir(), "edgeq-native-dist-"));
    try {
      writeFileSync(join(dir, "edgeq-rt-native.min.js"), a.min);
      const n = nativeAddon(join(dir, "edgeq-rt-native.min.js"));
      expect(n.code).toBe(a.min);
      expect(n.bytes).toBe(Buffer.byteLength(a.min));
      expect(n.blobBytes).toBe(committedBlob().bytes.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => nativeAddon(join(dir, "missing.js"))).toThrow(/npm run build:native/);
  }, 120000);

  it("boards that take it: Cortex-M4 / M4F / M7 (ARMv7E-M), not M3, M0, ESP32, ESP8266", () => {
    for (const a of ["Cortex-M4F", "Cortex-M4", "cortex-m7", "armv7e-m"])
      expect(boardTakesNative(a)).toBe(true);
    for (const a of ["Cortex-M3", "Cortex-M0", "Xtensa LX6", "Xtensa L106", "", undefined])
      expect(boardTakesNative(a)).toBe(false);
  });
});
