/**
 * Views of buffers over 64 KB on Espruino. There a typed array's byteOffset is 16 bits on every
 * build (a view or subarray reaching past byte 65535 of its buffer throws "byteOffset too large"),
 * so a part of a larger buffer (a model's constant, an activation in a big arena, a row of a
 * weight tensor over 64 KB) gets a buffer of its own. Elsewhere, and below 64 KB, a subarray.
 */
import { fail } from "../errors.js";

type Natives = {
  memoryArea?: (address: number, length: number) => string;
  getAddressOf: (v: Uint8Array, flat: boolean) => number;
  toArrayBuffer: (s: string) => ArrayBuffer;
  toString: (v: Uint8Array) => string;
};
declare const E: Natives | undefined;
declare const process: { env: { BOARD?: string } };

/**
 * Bytes [offset, offset + length) of `bytes`, as a Uint8Array every subarray of which can be made.
 * On Espruino, when they reach past byte 65535 of the buffer:
 * - over the same memory, no copy: E.memoryArea at the bytes' address, where they are flat (a flat
 *   string or ArrayBuffer in RAM, or memory-mapped flash: Storage on nRF52 / STM32 / RP2040) on a
 *   board. Not on the Linux builds: there E.memoryArea maps every address to 0 (targets/linux
 *   jshFlashGetMemMapAddress), so its string reads zeros (32-bit ARM) or crashes (x86-64, whose
 *   64-bit pointers E.getAddressOf also truncates).
 * - else, where `copy` (constants), a copy of the bytes: a substring of E.toString(bytes), which
 *   is the buffer's own string (no copy) when the view covers all of it. The Linux builds, a model
 *   not flat in RAM, Storage on SPI flash (Bangle.js 1/2). The arena cannot be copied (views must
 *   share its bytes): an Error.
 */
export function region(bytes: Uint8Array, offset: number, length: number, copy?: boolean): Uint8Array {
  const e = typeof E < "u" ? E : undefined;
  const memoryArea = e && e.memoryArea;
  if (!memoryArea || bytes.byteOffset + offset + length <= 65536)
    return bytes.subarray(offset, offset + length);
  const n = e as Natives;
  const address = process.env.BOARD !== "LINUX" && n.getAddressOf(bytes, true);
  if (!address && !copy) fail("arena over 64 KB needs E.memoryArea (a board)");
  return new Uint8Array(
    n.toArrayBuffer(
      address ? memoryArea(address + offset, length) : n.toString(bytes).substr(offset, length),
    ),
  );
}

/**
 * Rows k = 0 .. count - 1 of w, n values each, as views (region: on Espruino a row past byte 65535
 * of w's buffer is a view of its own over the same memory, or a copy where that cannot be).
 */
export function rowsOf(w: Int8Array, n: number, count: number): Int8Array[] {
  const bytes = new Uint8Array(w.buffer, w.byteOffset, n * count);
  const rows: Int8Array[] = [];
  for (let k = count; k--; ) {
    const r = region(bytes, k * n, n, true);
    rows[k] = new Int8Array(r.buffer, r.byteOffset, n);
  }
  return rows;
}
