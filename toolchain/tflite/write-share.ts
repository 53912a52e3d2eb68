/**
 * Scalar vectors that share bytes already in the file. A FlatBuffers vector is its uint32
 * length followed by its elements, and any number of tables may point at it, so a vector
 * can start anywhere the file already holds that length followed by those elements: the
 * 1-D shape [64] is the tail of the shape [1, 1, 1, 64], an op's outputs [3] may be the
 * middle of a shape [1, 3, 3, 24]. Before writing a vector, the structure written so far
 * (never the tensors' data buffers) is searched for such a place.
 *
 * Alignment is counted from the end of the file: the writer makes the file's length a multiple
 * of 8 (16 when there are data buffers), so a place 8-aligned from the end is 8-aligned.
 *
 * Offsets stay valid: the Builder writes back to front and never moves or rewrites finished
 * bytes (it only grows at the front), and a reused place is always behind (after) the table
 * that refers to it, as FlatBuffers' unsigned offsets require.
 */
import type { Builder } from "flatbuffers";
import { type Offset, Vectors } from "./write-options.js";

export class SharedVectors extends Vectors {
  private readonly seen = new Map<string, Offset>();
  /** Builder offset up to which (from the end) the file holds data buffers: not searched. */
  private dataEnd = 0;
  /** Bytes saved by reusing existing bytes. */
  saved = 0;

  constructor(private readonly fb: Builder) {
    super(fb);
  }

  /** Call once the data buffers are written: only what is written after is searched. */
  startStructure(): void {
    this.dataEnd = this.fb.offset();
  }

  /** 4-aligned words of the structure written so far: value -> offsets (from the end) of its copies. */
  private readonly words = new Map<number, Offset[]>();
  /** Words at offsets up to this one are in `words`. */
  private indexed = 0;

  /**
   * Offset of an existing copy of `payload` preceded by the uint32 `count`, with the length
   * 4-aligned and the elements `align`-aligned in the final file; 0 when there is none.
   * Offsets count from the end of the file (the Builder's), and finished bytes never move.
   */
  private find(count: number, payload: Uint8Array, align: number): Offset {
    const bb = this.fb.dataBuffer();
    const cap = bb.capacity();
    const bytes = bb.bytes();
    const top = this.fb.offset();
    // index the words written since the last call (a word at offset o covers cap-o .. cap-o+4)
    for (let o = Math.max(this.indexed, this.dataEnd) + 4; o <= top; o += 4) {
      const w = bb.readUint32(cap - o);
      const list = this.words.get(w);
      if (list) list.push(o);
      else this.words.set(w, [o]);
    }
    this.indexed = Math.max(this.indexed, top - (top % 4));
    for (const o of this.words.get(count >>> 0) ?? []) {
      // the elements must be aligned and lie in the structure (never in the data buffers)
      if ((o - 4) % align !== 0 || o - 4 - payload.length < this.dataEnd) continue;
      const p = cap - o + 4;
      let k = 0;
      while (k < payload.length && bytes[p + k] === payload[k]) k++;
      if (k === payload.length) return o;
    }
    return 0;
  }

  private share(
    kind: string,
    key: string,
    count: number,
    payload: Uint8Array,
    align: number,
    write: () => Offset,
  ): Offset {
    const id = `${kind}:${key}`;
    let v = this.seen.get(id);
    if (v !== undefined) return v;
    v = this.find(count, payload, align);
    if (v) this.saved += 4 + payload.length;
    else v = write();
    this.seen.set(id, v);
    return v;
  }

  override int32(xs: ArrayLike<number>): Offset {
    const a = Int32Array.from(xs);
    const p = new Uint8Array(a.buffer);
    return this.share("i32", a.join(","), a.length, p, 4, () => super.int32(a));
  }

  override float32(xs: ArrayLike<number>): Offset {
    const a = Float32Array.from(xs);
    // keyed by bits: -0 and 0, or two NaNs, are different vectors
    const p = new Uint8Array(a.buffer);
    return this.share("f32", new Int32Array(a.buffer).join(","), a.length, p, 4, () => super.float32(a));
  }

  override int64(xs: ArrayLike<number>): Offset {
    const a = BigInt64Array.from(
      Array.prototype.map.call(xs, (x: number) => BigInt(Math.trunc(x))) as bigint[],
    );
    const p = new Uint8Array(a.buffer);
    return this.share("i64", a.join(","), a.length, p, 8, () => super.int64(xs));
  }
}
