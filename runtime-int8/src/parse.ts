/**
 * A minimal, bounds-checked flatbuffer reader for the TFLite schema subset the runtime needs.
 * Every read checks its offset against the file size and every vector its length against the
 * bytes left, so a bad file raises a clear Error instead of a crash or hang (no loop runs longer
 * than a checked vector).
 */
import { fail } from "./errors.js";
import { M, P31 } from "./fixed.js";
import type { RtOp, RtTensor } from "./types.js";

// the model being parsed (load() reads it and prepares its ops before another load can start;
// parse() sets both before any read)
let bytes: Uint8Array;
let len: number;
// The scalars are read through a 4-byte copy, not a DataView over the model: on Espruino a
// DataView's (and any typed array's) byteOffset is 16 bits, so `getInt32(p)` throws "byteOffset
// too large" for p > 65535 and a model over 64 KB could not be read.
const word = new DataView(new ArrayBuffer(4));

/** The n bytes at p (checked) copied into `word`. */
function read(p: number, n: number): DataView {
  at(p, n);
  for (let i = n; i--; ) word.setUint8(i, bytes[p + i] as number);
  return word;
}

function at(p: number, n: number): number {
  if (!(p >= 0 && p + n <= len)) fail("bad offset " + p);
  return p;
}

function i32(p: number): number {
  return read(p, 4).getInt32(0, true);
}

/** The table or vector an offset field at p points to. */
function ref(p: number): number {
  return at(p + i32(p), 4);
}

/** Position of field f of the table at t, or 0 when absent (or t is 0). */
function field(t: number, f: number): number {
  const vt = t && t - i32(t);
  const o = 4 + 2 * f;
  const fo = t && o < read(vt, 2).getUint16(0, true) ? read(vt + o, 2).getUint16(0, true) : 0;
  return fo && at(t + fo, 1);
}

/** How a scalar field is stored. */
enum Scalar {
  INT32 = 0,
  INT8 = 1,
  FLOAT32 = 4,
}

/** Scalar field f of table t (of the model being loaded), of the given kind; def (or 0) when absent. */
function scalar(t: number, f: number, def?: number, kind?: Scalar): number {
  const p = field(t, f);
  return !p ? def || 0 : kind === Scalar.INT8 ? read(p, 1).getInt8(0) : kind ? f32(p) : i32(p);
}

/** An int32 field of an op's options table (or of any table of the model being loaded); def (or 0) when absent. */
export function int32Option(table: number, field: number, def?: number): number {
  return scalar(table, field, def);
}

/** A byte field (enum or bool) of an op's options table; 0 when absent. */
export function int8Option(table: number, field: number): number {
  return scalar(table, field, 0, Scalar.INT8);
}

/** A float32 field of an op's options table; def (or 0) when absent. */
export function float32Option(table: number, field: number, def?: number): number {
  return scalar(table, field, def, Scalar.FLOAT32);
}

function f32(p: number): number {
  return read(p, 4).getFloat32(0, true);
}

/** Sub-table of field f (0 when absent). */
function table(t: number, f: number): number {
  const p = field(t, f);
  return p && ref(p);
}

/** Vector field f with elements of `size` bytes: [first element position, length] (length 0 when absent). */
function vec(t: number, f: number, size: number): number[] {
  const v = table(t, f);
  // (a negative count: unsigned, so past the file)
  const n = (v && i32(v)) >>> 0;
  at(v + 4, n * size);
  return [v + 4, n];
}

/** The items of a vector of `size`-byte items (4 unless given): read(pos) for scalars, or the table it points to. */
function list(t: number, f: number, read: (p: number) => number, size?: number): number[] {
  const s = size || 4;
  const v = vec(t, f, s);
  const out: number[] = [];
  for (let i = v[1] as number; i--; ) out[i] = read((v[0] as number) + s * i);
  return out;
}

/** The first subgraph of a model. */
export interface Graph {
  tensors: RtTensor[];
  operators: RtOp[];
  /** The graph's input and output tensor indices. */
  inputs: number[];
  outputs: number[];
}

/** Bytes per element of each TensorType (0 float32, 2 int32, 3 uint8, 4 int64, 6 bool, 9 int8; 0: unsupported). */
export const ELEMENT_BYTES = [4, 0, 4, 1, 8, 0, 1, 0, 0, 1];

/**
 * Parses the first subgraph of a .tflite file; a constant's data is `slice(offset, length)` of
 * the file (default: a subarray of u8; the loader's own on Espruino, where a view past byte 65535
 * of a buffer cannot be made).
 */
export function parse(u8: Uint8Array, slice?: (offset: number, length: number) => Uint8Array): Graph {
  bytes = u8;
  len = u8.byteLength;
  const part = slice || ((offset: number, length: number) => u8.subarray(offset, offset + length));
  // the file identifier "TFL3" at bytes 4..7
  // (a file under 8 bytes: "bad offset 4")
  if (i32(4) !== 860636756) fail("not a TFLite model");
  const model = ref(0);
  const codes = list(model, 1, (p) => {
    const c = ref(p);
    return M.max(scalar(c, 0, 0, Scalar.INT8), scalar(c, 3));
  });
  const sg = list(model, 2, ref)[0] || fail("no subgraph");
  const bufs = list(model, 4, ref);
  const tensors: RtTensor[] = list(sg, 0, ref).map((t, i) => {
    const shape = list(t, 0, i32);
    const type = scalar(t, 1, 0, Scalar.INT8);
    const elementBytes = ELEMENT_BYTES[type] as number;
    let size = 1;
    shape.forEach((n) => {
      size *= n < 0 ? NaN : n;
    });
    const q = table(t, 4);
    const nm = vec(t, 3, 1);
    const d = vec(bufs[scalar(t, 2)] || 0, 0, 1);
    // shape, type, data size (no tensor over 64 MB: the arena is capped there too)
    if (!(size * elementBytes <= P31 / 32 && elementBytes) || (d[1] && d[1] !== size * elementBytes))
      fail("bad tensor " + i);
    let name = "";
    for (let k = nm[1] as number; k--; )
      name = String.fromCharCode(u8[(nm[0] as number) + k] as number) + name;
    const scale = list(q, 2, f32);
    // int64 zero points: their low words
    const zp = list(q, 3, i32, 8);
    return {
      name: name,
      shape: shape,
      type: type,
      scale: scale,
      zeroPoint: zp,
      axis: scalar(q, 6),
      size: size,
      data: d[1] ? part(d[0] as number, d[1] as number) : undefined,
      offset: -1,
      elementBytes: elementBytes,
      firstScale: scale[0] || 0,
      firstZeroPoint: zp[0] || 0,
    };
  });
  // tensor indices (int32 vector field f of table t), each checked
  const idx = (t: number, f: number) => {
    const ts = list(t, f, i32);
    ts.forEach((i) => {
      // (-1 .. count - 1: + 1 unsigned, a negative index wraps past 2^31)
      if ((i + 1) >>> 0 > tensors.length) fail("bad index");
    });
    return ts;
  };
  return {
    tensors: tensors,
    operators: list(sg, 3, ref).map((o, k) => {
      const index = scalar(o, 0);
      return {
        code:
          index >>> 0 < codes.length
            ? (codes[index] as number)
            : fail("op " + k + ": bad opcode index " + index),
        inputs: idx(o, 1),
        outputs: idx(o, 2),
        options: table(o, 4),
      };
    }),
    inputs: idx(sg, 1),
    outputs: idx(sg, 2),
  };
}
