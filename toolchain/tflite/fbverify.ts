/**
 * Bounds-checked FlatBuffers accessors: every offset, vtable, length and vector is checked
 * against the buffer before it is used, and everything decoded is charged to a budget
 * proportional to the file size, so a malformed or hostile file can only end in an
 * EdgeqError (never a RangeError, a hang or a huge allocation).
 */
import { EdgeqError } from "../errors.js";

const UTF8 = new TextDecoder("utf-8", { fatal: false });
const HINT = "the file is damaged or not a TFLite model; re-export it from the converter";

export class FbReader {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  readonly len: number;
  readonly source: string;
  /** Units (elements or bytes) that decoding may still produce. */
  budget: number;
  /** Optional observer of every structure read (the fuzzer uses it to aim its mutations). */
  trace?: (kind: "table" | "vtable" | "offset" | "vector", pos: number) => void;

  constructor(bytes: Uint8Array, source: string) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.byteLength;
    this.source = source;
    this.budget = 16 * bytes.byteLength + 65536;
  }

  fail(code: string, what: string, path: string, pos?: number): never {
    const at = pos === undefined ? path : `byte ${pos}, ${path}`;
    throw new EdgeqError(code, `${this.source}: ${what}; ${HINT}`, at);
  }

  charge(units: number, path: string, pos: number): void {
    this.budget -= units;
    if (this.budget < 0) {
      this.fail("tflite/too-large", "the model decodes to far more data than the file holds", path, pos);
    }
  }

  /** Checks that [pos, pos + size) lies inside the buffer. */
  need(pos: number, size: number, path: string): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.len)) {
      this.fail(
        "tflite/out-of-bounds",
        `${size} bytes at ${pos} run past the end of the file (${this.len} bytes)`,
        path,
        pos,
      );
    }
  }

  u8(pos: number, path: string): number {
    this.need(pos, 1, path);
    return this.dv.getUint8(pos);
  }
  i8(pos: number, path: string): number {
    this.need(pos, 1, path);
    return this.dv.getInt8(pos);
  }
  u16(pos: number, path: string): number {
    this.need(pos, 2, path);
    return this.dv.getUint16(pos, true);
  }
  i32(pos: number, path: string): number {
    this.need(pos, 4, path);
    return this.dv.getInt32(pos, true);
  }
  u32(pos: number, path: string): number {
    this.need(pos, 4, path);
    return this.dv.getUint32(pos, true);
  }
  f32(pos: number, path: string): number {
    this.need(pos, 4, path);
    return this.dv.getFloat32(pos, true);
  }
  u64(pos: number, path: string): number {
    this.need(pos, 8, path);
    const v = this.dv.getBigUint64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      this.fail("tflite/bad-value", `value ${v} is too large`, path, pos);
    return Number(v);
  }

  /** Follows the uoffset stored at `pos`. */
  deref(pos: number, path: string): number {
    const off = this.u32(pos, path);
    const target = pos + off;
    this.trace?.("offset", pos);
    if (off === 0 || target >= this.len) {
      this.fail("tflite/bad-offset", `offset ${off} points outside the file`, path, pos);
    }
    return target;
  }

  /** The root table (the uoffset at byte 0). */
  root(path: string): Table {
    return this.table(this.deref(0, path), path);
  }

  table(pos: number, path: string): Table {
    const vt = pos - this.i32(pos, path);
    if (vt < 0 || vt + 4 > this.len)
      this.fail("tflite/bad-vtable", `vtable at ${vt} is outside the file`, path, pos);
    const vlen = this.u16(vt, path);
    const tsize = this.u16(vt + 2, path);
    if (vlen < 4 || vlen % 2 !== 0 || vt + vlen > this.len) {
      this.fail("tflite/bad-vtable", `vtable length ${vlen} is invalid`, path, vt);
    }
    if (tsize < 4 || pos + tsize > this.len) {
      this.fail("tflite/bad-vtable", `table size ${tsize} runs past the end of the file`, path, pos);
    }
    this.charge(1, path, pos);
    this.trace?.("table", pos);
    this.trace?.("vtable", vt);
    return new Table(this, pos, vt, vlen, tsize, path);
  }
}

/** One verified table: fields are checked to lie inside the table before they are read. */
export class Table {
  constructor(
    readonly r: FbReader,
    readonly pos: number,
    private readonly vt: number,
    private readonly vlen: number,
    private readonly tsize: number,
    readonly path: string,
  ) {}

  /** Absolute position of field `id` (size bytes), or -1 when the field is absent. */
  field(id: number, size: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vlen) return -1;
    const voff = this.r.u16(this.vt + slot, this.path);
    if (voff === 0) return -1;
    if (voff < 4 || voff + size > this.tsize) {
      this.r.fail(
        "tflite/bad-vtable",
        `field '${name}' lies outside its table`,
        `${this.path}.${name}`,
        this.pos,
      );
    }
    return this.pos + voff;
  }

  i8(id: number, name: string, def: number): number {
    const p = this.field(id, 1, name);
    return p < 0 ? def : this.r.i8(p, `${this.path}.${name}`);
  }
  u8(id: number, name: string, def: number): number {
    const p = this.field(id, 1, name);
    return p < 0 ? def : this.r.u8(p, `${this.path}.${name}`);
  }
  bool(id: number, name: string): boolean {
    return this.u8(id, name, 0) !== 0;
  }
  i32(id: number, name: string, def: number): number {
    const p = this.field(id, 4, name);
    return p < 0 ? def : this.r.i32(p, `${this.path}.${name}`);
  }
  u32(id: number, name: string, def: number): number {
    const p = this.field(id, 4, name);
    return p < 0 ? def : this.r.u32(p, `${this.path}.${name}`);
  }
  f32(id: number, name: string, def: number): number {
    const p = this.field(id, 4, name);
    return p < 0 ? def : this.r.f32(p, `${this.path}.${name}`);
  }
  u64(id: number, name: string, def: number): number {
    const p = this.field(id, 8, name);
    return p < 0 ? def : this.r.u64(p, `${this.path}.${name}`);
  }

  /** Position of the object the offset field points at, or -1 when absent. */
  ref(id: number, name: string): number {
    const p = this.field(id, 4, name);
    return p < 0 ? -1 : this.r.deref(p, `${this.path}.${name}`);
  }

  subtable(id: number, name: string): Table | undefined {
    const p = this.ref(id, name);
    return p < 0 ? undefined : this.r.table(p, `${this.path}.${name}`);
  }

  /** A vector's element start and count, verified to fit in the file; undefined when absent. */
  vector(id: number, name: string, elemSize: number): { start: number; count: number } | undefined {
    const p = this.ref(id, name);
    if (p < 0) return undefined;
    const path = `${this.path}.${name}`;
    const count = this.r.u32(p, path);
    const start = p + 4;
    this.r.trace?.("vector", p);
    if (count * elemSize > this.r.len - start) {
      this.r.fail("tflite/bad-vector", `vector of ${count} elements runs past the end of the file`, path, p);
    }
    return { start, count };
  }

  private numbers(
    id: number,
    name: string,
    size: number,
    read: (pos: number, path: string) => number,
  ): number[] {
    const v = this.vector(id, name, size);
    if (!v) return [];
    const path = `${this.path}.${name}`;
    this.r.charge(v.count, path, v.start);
    const out = new Array<number>(v.count);
    for (let i = 0; i < v.count; i++) out[i] = read(v.start + i * size, path);
    return out;
  }

  i32s(id: number, name: string): number[] {
    return this.numbers(id, name, 4, (p, path) => this.r.i32(p, path));
  }
  f32s(id: number, name: string): number[] {
    return this.numbers(id, name, 4, (p, path) => this.r.f32(p, path));
  }
  /** [long] as numbers; values outside the safe integer range are an error. */
  i64s(id: number, name: string): number[] {
    return this.numbers(id, name, 8, (p, path) => {
      this.r.need(p, 8, path);
      const v = this.r.dv.getBigInt64(p, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) {
        this.r.fail("tflite/bad-value", `value ${v} is out of range`, path, p);
      }
      return Number(v);
    });
  }

  /** [ubyte] as a view into the file (not copied); undefined when absent. */
  bytes(id: number, name: string): Uint8Array | undefined {
    const v = this.vector(id, name, 1);
    return v ? this.r.bytes.subarray(v.start, v.start + v.count) : undefined;
  }

  string(id: number, name: string): string | undefined {
    const b = this.bytes(id, name);
    if (!b) return undefined;
    this.r.charge(b.length, `${this.path}.${name}`, this.pos);
    return UTF8.decode(b);
  }

  /** A vector of tables, each verified when it is read. */
  tables(id: number, name: string): Table[] {
    const v = this.vector(id, name, 4);
    if (!v) return [];
    this.r.charge(v.count, `${this.path}.${name}`, v.start);
    const out: Table[] = [];
    for (let i = 0; i < v.count; i++) {
      const path = `${this.path}.${name}[${i}]`;
      out.push(this.r.table(this.r.deref(v.start + 4 * i, path), path));
    }
    return out;
  }
}
