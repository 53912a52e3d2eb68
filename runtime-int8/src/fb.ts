/**
 * A minimal, bounds-checked flatbuffer reader for the TFLite schema subset the runtime
 * needs. Every read checks its offset against the file size, and every vector length
 * against the bytes left, so a bad file raises a clear Error instead of a crash or hang.
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
    fail(
      "corrupt model: read of " + len + " bytes at offset " + p + " is outside the " + fb.n + "-byte file",
    );
  return p;
}

export function i32(fb: Fb, p: number): number {
  return fb.dv.getInt32(at(fb, p, 4), true);
}
function u16(fb: Fb, p: number): number {
  return fb.dv.getUint16(at(fb, p, 2), true);
}
function uoff(fb: Fb, p: number): number {
  const o = i32(fb, p);
  if (o < 0) fail("corrupt model: negative offset at " + p);
  return p + o;
}

/** Position of field f of the table at t, or 0 when absent. */
export function field(fb: Fb, t: number, f: number): number {
  const vt = t - i32(fb, t);
  const vl = u16(fb, vt);
  const o = 4 + 2 * f;
  if (o + 2 > vl) return 0;
  const fo = u16(fb, vt + o);
  return fo ? at(fb, t + fo, 1) : 0;
}

/** Scalar field readers with defaults. */
export function fI32(fb: Fb, t: number, f: number, def: number): number {
  const p = t ? field(fb, t, f) : 0;
  return p ? i32(fb, p) : def;
}
export function fI8(fb: Fb, t: number, f: number, def: number): number {
  const p = t ? field(fb, t, f) : 0;
  return p ? fb.dv.getInt8(at(fb, p, 1)) : def;
}
function fF32(fb: Fb, p: number): number {
  return fb.dv.getFloat32(at(fb, p, 4), true);
}
export function fFloat(fb: Fb, t: number, f: number, def: number): number {
  const p = t ? field(fb, t, f) : 0;
  return p ? fF32(fb, p) : def;
}
/** String field (ASCII/UTF-8 bytes as char codes). */
export function fStr(fb: Fb, t: number, f: number): string {
  const v = fVec(fb, t, f, 1);
  let s = "";
  for (let i = 0; i < (v[1] as number); i++) s += String.fromCharCode(fb.u8[(v[0] as number) + i] as number);
  return s;
}

/** Sub-table of field f (0 when absent). */
export function fTable(fb: Fb, t: number, f: number): number {
  const p = t ? field(fb, t, f) : 0;
  return p ? uoff(fb, p) : 0;
}

/** Vector of field f: [position of first element, length]; [0, 0] when absent. */
export function fVec(fb: Fb, t: number, f: number, elem: number): number[] {
  const p = t ? field(fb, t, f) : 0;
  if (!p) return [0, 0];
  const v = uoff(fb, p);
  const n = i32(fb, v);
  if (n < 0 || v + 4 + n * elem > fb.n)
    fail("corrupt model: vector of " + n + " elements at " + v + " runs past the end of the file");
  return [v + 4, n];
}

/** Int32 vector field as a plain array. */
export function fInts(fb: Fb, t: number, f: number): number[] {
  const v = fVec(fb, t, f, 4);
  const out: number[] = [];
  for (let i = 0; i < (v[1] as number); i++) out.push(i32(fb, (v[0] as number) + 4 * i));
  return out;
}

function tableAt(fb: Fb, v: number[], i: number): number {
  return uoff(fb, (v[0] as number) + 4 * i);
}

export interface Parsed {
  fb: Fb;
  tensors: RtTensor[];
  ops: RtOp[];
  inputs: number[];
  outputs: number[];
}

const ELEM: { [type: number]: number } = { 0: 4, 2: 4, 3: 1, 4: 8, 7: 2, 9: 1, 6: 1 };

/** Parses the first subgraph of a .tflite file. */
export function parse(u8: Uint8Array): Parsed {
  const fb: Fb = { u8: u8, dv: new DataView(u8.buffer, u8.byteOffset, u8.byteLength), n: u8.byteLength };
  if (fb.n < 8) fail("not a TFLite model: only " + fb.n + " bytes");
  if (u8[4] !== 0x54 || u8[5] !== 0x46 || u8[6] !== 0x4c || u8[7] !== 0x33)
    fail("not a TFLite model: file identifier is not TFL3");
  const model = uoff(fb, 0);
  const codesV = fVec(fb, model, 1, 4);
  const codes: number[] = [];
  for (let i = 0; i < (codesV[1] as number); i++) {
    const c = tableAt(fb, codesV, i);
    codes.push(Math.max(fI8(fb, c, 0, 0), fI32(fb, c, 3, 0)));
  }
  const subs = fVec(fb, model, 2, 4);
  if ((subs[1] as number) < 1) fail("model has no subgraph");
  const sg = tableAt(fb, subs, 0);
  const bufs = fVec(fb, model, 4, 4);
  const tv = fVec(fb, sg, 0, 4);
  const tensors: RtTensor[] = [];
  for (let i = 0; i < (tv[1] as number); i++) {
    const t = tableAt(fb, tv, i);
    const shape = fInts(fb, t, 0);
    const type = fI8(fb, t, 1, 0);
    let size = 1;
    for (let k = 0; k < shape.length; k++) {
      if (!((shape[k] as number) >= 0)) fail("tensor " + i + " has a negative dimension");
      size *= shape[k] as number;
    }
    const q = fTable(fb, t, 4);
    const sv = fVec(fb, q, 2, 4);
    const zv = fVec(fb, q, 3, 8);
    const scale: number[] = [];
    const zeroPoint: number[] = [];
    for (let k = 0; k < (sv[1] as number); k++) {
      scale.push(fF32(fb, (sv[0] as number) + 4 * k));
      zeroPoint.push(k < (zv[1] as number) ? i32(fb, (zv[0] as number) + 8 * k) : 0);
    }
    const rt: RtTensor = {
      name: fStr(fb, t, 3),
      shape: shape,
      type: type,
      scale: scale,
      zeroPoint: zeroPoint,
      axis: fI32(fb, q, 6, 0),
      size: size,
      offset: -1,
    };
    const b = fI32(fb, t, 2, 0);
    if (b > 0) {
      if (b >= (bufs[1] as number)) fail("tensor " + i + " names buffer " + b + " of " + bufs[1]);
      const dv = fVec(fb, tableAt(fb, bufs, b), 0, 1);
      if (dv[1]) {
        const eb = ELEM[type];
        if (eb === undefined) fail("tensor " + i + " has unsupported type " + type);
        if (dv[1] !== size * eb) fail("tensor " + i + " has " + dv[1] + " data bytes, expected " + size * eb);
        rt.data = u8.subarray(dv[0] as number, (dv[0] as number) + (dv[1] as number));
      }
    }
    tensors.push(rt);
  }
  const ov = fVec(fb, sg, 3, 4);
  const ops: RtOp[] = [];
  const nt = tensors.length;
  const idx = (list: number[], allowNone: boolean) => {
    for (let k = 0; k < list.length; k++) {
      const x = list[k] as number;
      if (x >= nt || x < (allowNone ? -1 : 0)) fail("operator refers to tensor " + x + " of " + nt);
    }
    return list;
  };
  for (let i = 0; i < (ov[1] as number); i++) {
    const o = tableAt(fb, ov, i);
    const ci = fI32(fb, o, 0, 0);
    if (ci < 0 || ci >= codes.length)
      fail("operator " + i + " has opcode index " + ci + " of " + codes.length);
    ops.push({
      code: codes[ci] as number,
      inputs: idx(fInts(fb, o, 1), true),
      outputs: idx(fInts(fb, o, 2), false),
      opt: fTable(fb, o, 4),
    });
  }
  return {
    fb: fb,
    tensors: tensors,
    ops: ops,
    inputs: idx(fInts(fb, sg, 1), false),
    outputs: idx(fInts(fb, sg, 2), false),
  };
}
