/**
 * Where the writer puts the data buffers. Each buffer's bytes must start on a 16-byte
 * boundary (schema.fbs: force_align 16), and between two of them the file holds the second
 * one's length word and a Buffer table, 12 bytes, so a buffer of a multiple of 16 bytes
 * after another one leaves 4 bytes of padding. Model.buffers fixes their order in the table
 * list, not in the file, so the next buffer written is the one needing the least padding,
 * and where a tensor name (a string: 4-byte length, bytes, NUL) fits exactly in the gap it is
 * written there instead of elsewhere.
 */
import type { Builder } from "flatbuffers";
import { BUFFER } from "./schema.js";
import type { Offset } from "./write-options.js";

/** [ubyte] (force_align: 16) */
function alignedBytes(b: Builder, data: Uint8Array): Offset {
  b.startVector(1, data.length, 16);
  for (let i = data.length - 1; i >= 0; i--) b.writeInt8(data[i]!);
  return b.endVector();
}

export function bufferTable(b: Builder, data: Uint8Array | undefined): Offset {
  const v = data && data.length > 0 ? alignedBytes(b, data) : 0;
  b.prep(4, 0);
  b.startObject(1);
  if (v) b.addFieldOffset(BUFFER.data, v, 0);
  return b.endObject();
}

export interface Layout {
  /** Buffer tables: [0] the empty sentinel, then one per payload, in payload order. */
  buffers: Offset[];
  /** Strings already written (in gaps between buffers), by value. */
  strings: Map<string, Offset>;
}

/** Writes the buffers (payload i becomes buffer i + 1) and, in their gaps, some of `names`. */
export function writeBuffers(b: Builder, payloads: Uint8Array[], names: string[]): Layout {
  const enc = new TextEncoder();
  const pending = new Map<string, number>();
  for (const s of names) if (s) pending.set(s, enc.encode(s).length);
  const strings = new Map<string, Offset>();
  const buffers = new Array<Offset>(payloads.length + 1);
  const left = payloads.map((_, i) => i);
  const pad = (o: number, n: number) => -(o + n) & 15;
  // bytes a string of `len` UTF-8 bytes takes when written at offset o (createString's prep)
  const footprint = (o: number, len: number) => (-(o + len + 1) & 3) + len + 1 + 4;
  while (left.length) {
    const o = b.offset();
    let best = 0;
    for (let k = 1; k < left.length; k++)
      if (pad(o, payloads[left[k]!]!.length) < pad(o, payloads[left[best]!]!.length)) best = k;
    if (pad(o, payloads[left[best]!]!.length) > 0) {
      let fill: string | undefined;
      for (const [s, len] of pending) {
        const o2 = o + footprint(o, len);
        if (left.some((i) => pad(o2, payloads[i]!.length) === 0)) {
          fill = s;
          break;
        }
      }
      if (fill !== undefined) {
        strings.set(fill, b.createString(fill));
        pending.delete(fill);
        continue;
      }
    }
    const i = left.splice(best, 1)[0]!;
    buffers[i + 1] = bufferTable(b, payloads[i]);
  }
  buffers[0] = bufferTable(b, undefined);
  return { buffers, strings };
}
