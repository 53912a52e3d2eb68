/**
 * File formats for datasets: IDX (MNIST / Fashion-MNIST, gzipped or not), CIFAR-10 binary
 * batches and NumPy .npy. Plain parsers over bytes; every problem is an EdgeqError naming the
 * file, what is wrong and what to do.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { EdgeqError } from "../errors.js";

/** Reads a file, gunzipping it when it starts with the gzip magic (1f 8b). */
export function readMaybeGzip(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new EdgeqError("data-read", `cannot read ${file}: ${(e as Error).message}`, file);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw));
    } catch (e) {
      throw new EdgeqError(
        "data-gzip",
        `${file} looks gzipped but does not decompress (${(e as Error).message}); re-download it`,
        file,
      );
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

export interface IdxArray {
  /** Dimensions, outermost first, e.g. [N, 28, 28] for images or [N] for labels. */
  dims: number[];
  /** The unsigned bytes (IDX type 0x08), row-major. */
  data: Uint8Array;
}

/** Parses an IDX file of unsigned bytes (type 0x08): magic 00 00 08 ndims, ndims x u32 BE, data. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new EdgeqError(
      "idx-magic",
      `${file} is not an IDX file (expected magic 00 00 08 nn); pass MNIST/Fashion-MNIST IDX files`,
      file,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new EdgeqError(
      "idx-type",
      `${file} has IDX element type 0x${(bytes[2] ?? 0).toString(16)}, only unsigned bytes (0x08) are supported`,
      file,
    );
  }
  const nd = bytes[3] ?? 0;
  if (nd < 1 || nd > 4 || bytes.length < 4 + 4 * nd) {
    throw new EdgeqError("idx-header", `${file} has a bad IDX header (${nd} dimensions)`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (bytes.length - start < count) {
    throw new EdgeqError(
      "idx-truncated",
      `${file} is truncated: header says ${dims.join("x")} = ${count} bytes, file has ${bytes.length - start}; re-download it`,
      file,
    );
  }
  return { dims, data: bytes.subarray(start, start + count) };
}

/** Encodes unsigned bytes as an IDX file (inverse of parseIdx). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export interface NpyArray {
  shape: number[];
  /** dtype as in the header, e.g. '|u1', '<f4', '<i8'. */
  dtype: string;
  /** Values widened to float64 for uniform handling (datasets here are small). */
  data: Float64Array;
}

/** Parses a NumPy .npy file (version 1-3, C order, little-endian u1/i1/u2/i2/i4/i8/u4/f4/f8). */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) {
    throw new EdgeqError(
      "npy-magic",
      `${file} is not a .npy file (no \\x93NUMPY magic); save it with numpy.save`,
      file,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] ?? 0;
  const hlen = major >= 2 ? view.getUint32(8, true) : view.getUint16(8, true);
  const hstart = major >= 2 ? 12 : 10;
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new EdgeqError("npy-header", `${file} has an unreadable .npy header: ${header.trim()}`, file);
  }
  if (fortran === "True") {
    throw new EdgeqError(
      "npy-order",
      `${file} is Fortran-ordered; save it with np.ascontiguousarray first`,
      file,
    );
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const kinds: Record<string, [number, (o: number) => number]> = {
    "|u1": [1, (o) => view.getUint8(o)],
    "|i1": [1, (o) => view.getInt8(o)],
    "<u2": [2, (o) => view.getUint16(o, true)],
    "<i2": [2, (o) => view.getInt16(o, true)],
    "<u4": [4, (o) => view.getUint32(o, true)],
    "<i4": [4, (o) => view.getInt32(o, true)],
    "<i8": [8, (o) => Number(view.getBigInt64(o, true))],
    "<f4": [4, (o) => view.getFloat32(o, true)],
    "<f8": [8, (o) => view.getFloat64(o, true)],
  };
  const kind = kinds[descr === "<u1" ? "|u1" : descr === "<i1" ? "|i1" : descr];
  if (!kind) {
    throw new EdgeqError(
      "npy-dtype",
      `${file} has dtype ${descr}; supported: uint8, int8, (u)int16, (u)int32, int64, float32, float64 (little-endian)`,
      file,
    );
  }
  const [size, get] = kind;
  if (bytes.length - off < count * size) {
    throw new EdgeqError(
      "npy-truncated",
      `${file} is truncated: shape (${shape.join(",")}) needs ${count * size} bytes, file has ${bytes.length - off}`,
      file,
    );
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = get(off + i * size);
  return { shape, dtype: descr, data };
}

/** Encodes a C-order .npy (version 1) of uint8 or float32 values (used by tests and tools). */
export function encodeNpy(shape: number[], data: Uint8Array | Float32Array): Uint8Array {
  const descr = data instanceof Uint8Array ? "|u1" : "<f4";
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${" ".repeat(pad % 64)}\n`;
  const hb = new TextEncoder().encode(header);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + hb.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, hb.length, true);
  out.set(hb, 10);
  out.set(body, 10 + hb.length);
  return out;
}

/** CIFAR-10 binary batch: records of 1 label byte + 3072 bytes (1024 R, 1024 G, 1024 B, 32x32). */
export function parseCifarBatch(
  bytes: Uint8Array,
  file: string,
): { x: Uint8Array; y: Int32Array; n: number } {
  const rec = 1 + 3072;
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new EdgeqError(
      "cifar-size",
      `${file} is ${bytes.length} bytes, not a multiple of the 3073-byte CIFAR-10 record; use the "binary version" batches`,
      file,
    );
  }
  const n = bytes.length / rec;
  const x = new Uint8Array(n * 3072);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * rec;
    const label = bytes[base] ?? 0;
    if (label > 9) {
      throw new EdgeqError(
        "cifar-label",
        `${file} record ${i} has label ${label} (> 9); not a CIFAR-10 batch`,
        file,
      );
    }
    y[i] = label;
    // CHW planes -> HWC
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) x[i * 3072 + p * 3 + c] = bytes[base + 1 + c * 1024 + p] ?? 0;
    }
  }
  return { x, y, n };
}
