/**
 * Uploads one file into the board's Storage, safely:
 *   1. check free space (the file is held twice for a moment: temporary copy + final copy),
 *   2. write it under a temporary name, in chunks: base64 lines through atob with
 *      Storage.write(name, data, offset, totalSize) (retrying a chunk on timeout), or with
 *      firmware 2v25+ as FILE_SEND + DATA packets (retrying a packet on NAK/timeout),
 *   3. compare E.CRC32 of the temporary file with the host's CRC32 (re-upload on mismatch),
 *   4. copy it over the real name, check that CRC too, erase the temporary file.
 * So an interrupted upload leaves the old file (or none) under the real name, never a broken one.
 */

import { crc32 } from "../crc32.js";
import { EdgeqError } from "../errors.js";
import { uploadViaRam } from "./ramstage.js";
import { jsBytes, jsString, PT_DATA, PT_FILE_SEND, type Repl } from "./repl.js";

/** Storage file names: Espruino allows 28 bytes; we keep to a safe alphabet. */
export const NAME_RE: RegExp = /^[A-Za-z0-9_.-]{1,24}$/;
/** Bytes of Storage header per file (4-byte size/flags + 28-byte name), padded to 4. */
export const STORAGE_FILE_OVERHEAD = 32;

export function storageFootprint(bytes: number): number {
  return STORAGE_FILE_OVERHEAD + Math.ceil(bytes / 4) * 4;
}

export function tempName(name: string): string {
  return `${name.slice(0, 22)}~t`;
}

export interface UploadOptions {
  /** Use the 2v25+ packet protocol. */
  packets: boolean;
  /** Raw bytes per chunk (line mode: base64 of this goes on one line; default 512). */
  chunkBytes?: number;
  /** Whole-file attempts when the CRC does not match (default 3). */
  attempts?: number;
  /** Tries per chunk/packet on NAK or timeout (default 4). */
  chunkTries?: number;
  /** Skip the upload when the board already holds a file with this CRC under `name`. */
  skipIfSame?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Where the new file waits until verified: a temporary Storage file (default) or a RAM buffer (ramstage.ts). */
  staging?: "storage" | "ram";
}

export interface UploadResult {
  name: string;
  bytes: number;
  crc: number;
  skipped: boolean;
  /** Chunks/packets that had to be sent again, and whole-file restarts. */
  chunkRetries: number;
  fileRetries: number;
}

const S = 'require("Storage")';

export function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new EdgeqError(
      "BAD_NAME",
      `Storage file name '${name}' must be 1-24 characters of A-Z a-z 0-9 _ . -`,
    );
  }
}

async function boardCrc(repl: Repl, name: string): Promise<number | null> {
  const v = await repl.call(
    `var f=${S}.read(${jsString(name)});return f===undefined?null:E.CRC32(f)>>>0`,
    15000,
  );
  return typeof v === "number" ? v : null;
}

async function retrying<T>(repl: Repl, tries: number, onRetry: () => void, fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = e instanceof EdgeqError ? e.code : "";
      if (i >= tries || (code !== "TIMEOUT" && code !== "NAK" && code !== "BOARD_ERROR")) throw e;
      onRetry();
      await repl.resync();
    }
  }
}

async function writeLines(
  repl: Repl,
  tmp: string,
  data: Uint8Array,
  o: Required<UploadOptions>,
  r: UploadResult,
): Promise<void> {
  for (let off = 0; off < data.length; off += o.chunkBytes) {
    const part = data.subarray(off, off + o.chunkBytes);
    await retrying(
      repl,
      o.chunkTries,
      () => r.chunkRetries++,
      () => repl.call(`return ${S}.write(${jsString(tmp)},${jsBytes(part)},${off},${data.length})`),
    ).then((ok) => {
      if (ok !== true) {
        throw new EdgeqError(
          "STORAGE_FULL",
          `the board refused to write ${tmp} at offset ${off} (Storage full?)`,
          repl.t.where,
        );
      }
    });
    o.onProgress(off + part.length, data.length);
  }
}

async function writePackets(
  repl: Repl,
  tmp: string,
  data: Uint8Array,
  o: Required<UploadOptions>,
  r: UploadResult,
): Promise<void> {
  const head = new TextEncoder().encode(JSON.stringify({ fn: tmp, s: data.length }));
  const send = async (type: number, d: Uint8Array): Promise<void> => {
    for (let i = 1; ; i++) {
      let ack = false;
      try {
        ack = await repl.packet(type, d, 3000);
      } catch (e) {
        if (!(e instanceof EdgeqError) || e.code !== "TIMEOUT") throw e;
      }
      if (ack) return;
      if (i >= o.chunkTries) {
        throw new EdgeqError(
          "NAK",
          `the board rejected a packet ${o.chunkTries} times (NAK/timeout)`,
          repl.t.where,
        );
      }
      r.chunkRetries++;
      // a packet the board gave up on times out there after 1 s: wait that out before resending
      await new Promise((res) => setTimeout(res, 1100));
      repl.t.clear();
    }
  };
  await send(PT_FILE_SEND, head);
  for (let off = 0; off < data.length; off += o.chunkBytes) {
    const part = data.subarray(off, off + o.chunkBytes);
    await send(PT_DATA, part);
    o.onProgress(off + part.length, data.length);
  }
}

/** Uploads `data` to Storage as `name` (see the module comment for the steps). */
export async function uploadFile(
  repl: Repl,
  name: string,
  data: Uint8Array,
  opts: UploadOptions,
): Promise<UploadResult> {
  checkName(name);
  const o: Required<UploadOptions> = {
    chunkBytes: opts.packets ? 1024 : 512,
    attempts: 3,
    chunkTries: 4,
    skipIfSame: false,
    onProgress: () => {},
    staging: "storage",
    ...opts,
  };
  const tmp = tempName(name);
  const crc = crc32(data);
  const r: UploadResult = { name, bytes: data.length, crc, skipped: false, chunkRetries: 0, fileRetries: 0 };
  if (o.skipIfSame && (await boardCrc(repl, name)) === crc) {
    r.skipped = true;
    o.onProgress(data.length, data.length);
    return r;
  }
  if (o.staging === "ram") {
    await uploadViaRam(
      repl,
      name,
      data,
      crc,
      { ...o, packets: false, chunkBytes: Math.min(o.chunkBytes, 512) },
      r,
    );
    return r;
  }
  // Space: the temporary copy and the final copy coexist until the end; the old file is reclaimable.
  const need = 2 * storageFootprint(data.length);
  const space = (await repl.call(
    `var s=${S};s.erase(${jsString(tmp)});var f=s.getFree();if(f<${need}){s.compact();f=s.getFree();}` +
      `var o=s.read(${jsString(name)});return [f,o===undefined?0:o.length]`,
    30000,
  )) as [number, number];
  const free = space[0] + (space[1] ? storageFootprint(space[1]) : 0);
  if (free < need) {
    throw new EdgeqError(
      "STORAGE_FULL",
      `not enough Storage on the board for ${name}: need ${need} bytes (file ${data.length} B, held twice while swapping), ${free} free; erase files (require("Storage").eraseAll()) or use a smaller model`,
      repl.t.where,
    );
  }
  for (let attempt = 1; ; attempt++) {
    await repl.call(`${S}.erase(${jsString(tmp)});return 1`);
    if (o.packets) await writePackets(repl, tmp, data, o, r);
    else await writeLines(repl, tmp, data, o, r);
    const got = await boardCrc(repl, tmp);
    if (got === crc) break;
    if (attempt >= o.attempts) {
      await repl.call(`${S}.erase(${jsString(tmp)});return 1`);
      throw new EdgeqError(
        "CRC_MISMATCH",
        `CRC mismatch after ${attempt} uploads of ${name}: board ${got === null ? "has no file" : `0x${got.toString(16)}`}, host 0x${crc.toString(16)}; the link corrupts data: try a lower --baud`,
        repl.t.where,
      );
    }
    r.fileRetries++;
  }
  // swap: copy over the real name (Storage.write of a whole file replaces the old one), verify, clean up
  const final = (await repl.call(
    `var s=${S};s.write(${jsString(name)},s.read(${jsString(tmp)}));var c=E.CRC32(s.read(${jsString(name)}))>>>0;s.erase(${jsString(tmp)});return c`,
    30000,
  )) as number;
  if (final !== crc) {
    await repl.call(`${S}.erase(${jsString(name)});return 1`);
    throw new EdgeqError(
      "CRC_MISMATCH",
      `CRC mismatch after moving ${tmp} to ${name}; the file was erased, run the command again`,
      repl.t.where,
    );
  }
  return r;
}
