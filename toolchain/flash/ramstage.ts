/**
 * Upload for boards whose Storage cannot hold a file twice (e.g. Puck.js with the runtime and a
 * 16 KB model): the new file is staged in the board's RAM instead of a temporary Storage file.
 *   1. allocate a Uint8Array of the file's size on the board (fails cleanly if RAM is short),
 *   2. fill it with base64 lines (a chunk is re-sent on timeout; rewriting RAM is idempotent),
 *   3. compare E.CRC32 of the buffer with the host's CRC32 (refill on mismatch),
 *   4. in ONE board-side command: erase the old file, write the buffer under the real name,
 *      free the buffer, return the CRC32 of what Storage now holds.
 * A link that dies during 1-3 only loses the RAM buffer: the old file is untouched. Step 4 runs
 * on the board without the link, so the real name holds the old file, or the new verified one.
 */
import { EdgeqError } from "../errors.js";
import { jsBytes, jsString, type Repl } from "./repl.js";
import type { UploadOptions, UploadResult } from "./upload.js";
import { storageFootprint } from "./upload.js";

const S = 'require("Storage")';
const BUF = "__edgeqStage";

async function fill(
  repl: Repl,
  data: Uint8Array,
  o: Required<UploadOptions>,
  r: UploadResult,
): Promise<void> {
  for (let off = 0; off < data.length; off += o.chunkBytes) {
    const part = data.subarray(off, off + o.chunkBytes);
    const code = `var b=${jsBytes(part)},i;for(i=0;i<b.length;i++)${BUF}[${off}+i]=b.charCodeAt(i);return b.length`;
    for (let i = 1; ; i++) {
      try {
        const n = await repl.call(code);
        if (n === part.length) break;
        throw new EdgeqError(
          "BOARD_ERROR",
          `chunk at ${off} decoded to ${String(n)} bytes instead of ${part.length}`,
        );
      } catch (e) {
        const c = e instanceof EdgeqError ? e.code : "";
        if (i >= o.chunkTries || (c !== "TIMEOUT" && c !== "BOARD_ERROR")) throw e;
        r.chunkRetries++;
        await repl.resync();
      }
    }
    o.onProgress(off + part.length, data.length);
  }
}

/** Uploads `data` as `name` through a RAM buffer on the board (see the module comment). */
export async function uploadViaRam(
  repl: Repl,
  name: string,
  data: Uint8Array,
  crc: number,
  o: Required<UploadOptions>,
  r: UploadResult,
): Promise<void> {
  const n = jsString(name);
  const space = (await repl.call(
    `var s=${S};var f=s.getFree();if(f<${storageFootprint(data.length)}){s.compact();f=s.getFree();}` +
      `var o=s.read(${n});return [f,o===undefined?0:o.length]`,
    30000,
  )) as [number, number];
  const free = space[0] + (space[1] ? storageFootprint(space[1]) : 0);
  if (free < storageFootprint(data.length)) {
    throw new EdgeqError(
      "STORAGE_FULL",
      `not enough Storage on the board for ${name}: need ${storageFootprint(data.length)} bytes, ${free} free (counting the old ${name}); erase files or use a smaller model`,
      repl.t.where,
    );
  }
  try {
    await repl.exec(`var ${BUF}=new Uint8Array(${data.length})`).catch((e: unknown) => {
      throw new EdgeqError(
        "NO_RAM",
        `the board cannot hold ${name} (${data.length} B) in RAM for a safe upload, and its Storage cannot hold it twice (${e instanceof Error ? e.message : String(e)}); use a smaller model`,
        repl.t.where,
      );
    });
    for (let attempt = 1; ; attempt++) {
      await fill(repl, data, o, r);
      const got = (await repl.call(`return E.CRC32(${BUF})>>>0`, 15000)) as number;
      if (got === crc) break;
      if (attempt >= o.attempts) {
        throw new EdgeqError(
          "CRC_MISMATCH",
          `CRC mismatch after ${attempt} uploads of ${name} into RAM: board 0x${got.toString(16)}, host 0x${crc.toString(16)}; the link corrupts data: try a lower --baud (the old ${name} is untouched)`,
          repl.t.where,
        );
      }
      r.fileRetries++;
    }
    const final = (await repl.call(
      `var s=${S};s.erase(${n});var ok=s.write(${n},${BUF});${BUF}=undefined;return ok?E.CRC32(s.read(${n}))>>>0:-1`,
      30000,
    )) as number;
    if (final !== crc) {
      await repl.call(`${S}.erase(${n});return 1`);
      throw new EdgeqError(
        "CRC_MISMATCH",
        `writing ${name} from RAM failed (CRC ${final}); the file was erased, run the command again`,
        repl.t.where,
      );
    }
  } finally {
    if (!repl.t.closed) await repl.exec(`${BUF}=undefined`).catch(() => {});
  }
}
