/**
 * A minimal, bounds-checked flatbuffer reader for the TFLite schema subset the runtime needs.
 * Every read checks its offset against the file size and every vector its length against the
 * bytes left, so a bad file raises a clear Error instead of a crash or hang (no loop runs longer
 * than a checked vector).
 */
import type { RtOp, RtTensor } from "./types.js";

export interface Fb {
  u8: Uint8Array;
  dv: DataView;
  n: number;
}

export function fail(msg: string): never {
  throw new Error("edgeqrt: " + msg);
}

function at(fb: Fb, p: number, len: number): number {
  if (!(p >= 0 && p + len <= fb.n))
    fail("corrupt model: bytes " + p + ".." + (p + len) + " past the end (" + fb.n + ")");
  return p;
}

function i32(fb: Fb, p: number): number {
  return fb.dv.getInt32(at(fb, p, 4), true);
}

/** The table or vector an offset field at p points to. */
function ref(fb: Fb, p: number): number {
  return at(fb, p + i32(fb, p), 4);
}

/** Position of field f of the table at t, or 0 when absent (or t is 0). */
function field(fb: Fb, t: number, f: number): number {
  if (!t) return 0;
  const vt = at(fb, t - i32(fb, t), 4);
  const o = 4 + 2 * f;
  const fo = o + 2 > fb.dv.getUint16(vt, true) ? 0 : fb.dv.getUint16(at(fb, vt + o, 2), true);
  return fo ? at(fb, t + fo, 1) : 0;
}

/** Scalar field f of table t: k = 1 int8, 4 int32, 0 float32; def when absent. */
export function num(fb: Fb, t: number, f: number, def: number, k: number): number {
  const p = field(fb, t, f);
  return !p ? def : k === 1 ? fb.dv.getInt8(p) : k ? i32(fb, p) : fb.dv.getFloat32(at(fb, p, 4), true);
}

/** Sub-table of field f (0 when absent). */
function table(fb: Fb, t: number, f: number): number {
  const p = field(fb, t, f);
  return p ? ref(fb, p) : 0;
}

/** Vector field f with elements of `size` bytes: [first element position, length] ([0, 0] when absent). */
function vec(fb: Fb, t: number, f: number, size: number): number[] {
  const p = field(fb, t, f);
  if (!p) return [0, 0];
  const v = ref(fb, p);
  const n = i32(fb, v);
  at(fb, v + 4, n * size);
  return [v + 4, n];
}

/** Element i of a vector of 4-byte items: read(pos) for scalars, or the table it points to. */
function list(fb: Fb, t: number, f: number, read: (p: number) => number): number[] {
  const v = vec(fb, t, f, 4);
  const out: number[] = [];
  for (let i = 0; i < (v[1] as number); i++) out.push(read((v[0] as number) + 4 * i));
  return out;
}

export interface Parsed {
  fb: Fb;
  tensors: RtTensor[];
  ops: RtOp[];
  inputs: number[];
  outputs: number[];
}

/** Bytes per element of each TensorType (0 float32, 2 int32, 3 uint8, 4 int64, 6 bool, 9 int8). */
export const ESIZE: { [type: number]: number } = { 0: 4, 2: 4, 3: 1, 4: 8, 6: 1, 9: 1 };

/** Parses the first subgraph of a .tflite file. */
export function parse(u8: Uint8Array): Parsed {
  const fb: Fb = { u8: u8, dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength), n: u8.byteLength };
  const ints = (p: number) => i32(fb, p);
  const tabs = (p: number) => ref(fb, p);
  if (fb.n < 8 || u8[4] !== 84 || u8[5] !== 70 || u8[6] !== 76 || u8[7] !== 51)
    fail("not a TFLite model (no TFL3 identifier)");
  const model = ref(fb, 0);
  const codes = list(fb, model, 1, (p) => {
    const c = ref(fb, p);
    return Math.max(num(fb, c, 0, 0, 1), num(fb, c, 3, 0, 4));
  });
  const sg = list(fb, model, 2, tabs)[0];
  if (!sg) fail("model has no subgraph");
  const bufs = list(fb, model, 4, tabs);
  const tensors: RtTensor[] = list(fb, sg, 0, tabs).map((t, i) => {
    const shape = list(fb, t, 0, ints);
    const type = num(fb, t, 1, 0, 1);
    let size = 1;
    for (let k = 0; k < shape.length; k++) size *= (shape[k] as number) < 0 ? NaN : (shape[k] as number);
    const q = table(fb, t, 4);
    const zv = vec(fb, q, 3, 8);
    const nm = vec(fb, t, 3, 1);
    let name = "";
    for (let k = 0; k < (nm[1] as number); k++)
      name += String.fromCharCode(u8[(nm[0] as number) + k] as number);
    const rt: RtTensor = {
      name: name,
      shape: shape,
      type: type,
      scale: list(fb, q, 2, (p) => fb.dv.getFloat32(p, true)),
      zeroPoint: [],
      axis: num(fb, q, 6, 0, 4),
      size: size,
      offset: -1,
    };
    for (let k = 0; k < (zv[1] as number); k++) rt.zeroPoint.push(i32(fb, (zv[0] as number) + 8 * k));
    const b = bufs[num(fb, t, 2, 0, 4)];
    const d = b ? vec(fb, b, 0, 1) : [0, 0];
    const es = ESIZE[type];
    if (!(size >= 0) || es === undefined)
      fail("tensor " + i + " has a bad shape or an unsupported type " + type);
    if (d[1]) {
      if (d[1] !== size * es) fail("tensor " + i + " has " + d[1] + " data bytes, expected " + size * es);
      rt.data = u8.subarray(d[0] as number, (d[0] as number) + (d[1] as number));
    }
    return rt;
  });
  const nt = tensors.length;
  const idx = (list: number[]) => {
    for (let k = 0; k < list.length; k++)
      if (!((list[k] as number) < nt && (list[k] as number) >= -1)) fail("a tensor index is out of range");
    return list;
  };
  const ops = list(fb, sg, 3, tabs).map((o) => {
    const code = codes[num(fb, o, 0, 0, 4)];
    if (code === undefined) fail("an operator has a bad opcode index");
    return {
      code: code,
      inputs: idx(list(fb, o, 1, ints)),
      outputs: idx(list(fb, o, 2, ints)),
      opt: table(fb, o, 4),
    };
  });
  return {
    fb: fb,
    tensors: tensors,
    ops: ops,
    inputs: idx(list(fb, sg, 1, ints)),
    outputs: idx(list(fb, sg, 2, ints)),
  };
}
