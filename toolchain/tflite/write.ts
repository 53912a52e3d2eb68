/**
 * IR -> .tflite (TFLite schema version 3), written compactly: one subgraph, no signature
 * defs, no subgraph name, options tables only where an op has options, buffer 0 empty,
 * every constant's data in its own 16-byte aligned buffer, description = g.description
 * (default "edgeq") and Model.metadata entries from g.metadata.
 *
 * Every byte of structure counts on a board (issue 5: the int8 DS-CNN's file minus its
 * weights): equal vectors and tables are written once and shared, a short int vector reuses
 * the bytes of a longer one holding its length and elements (write-share.ts), tables start
 * 4-byte aligned so equal ones share a vtable, fields at their default are left out, and
 * buffers are placed to waste the least alignment padding (write-layout.ts). What is left is
 * mostly what TFLite itself needs: test/tflite/size.test.ts counts it.
 */
import { Builder } from "flatbuffers";
import type { Graph, Tensor, TensorData } from "../ir/types.js";
import {
  BUILTIN_CODE,
  DTYPE_BYTES,
  FILE_IDENTIFIER,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  QUANT,
  SCHEMA_VERSION,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
} from "./schema.js";
import { writeBuffers } from "./write-layout.js";
import { fail, type Offset, opVersion, writeOptions } from "./write-options.js";
import { SharedVectors } from "./write-share.js";

export { opVersion } from "./write-options.js";

function bytesOf(d: TensorData): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * startObject on a 4-byte boundary: a table's recorded size then does not depend on where
 * the previous object ended, so equal tables get equal vtables and share them.
 */
function start(b: Builder, fields: number): void {
  b.prep(4, 0);
  b.startObject(fields);
}

function offsetVector(b: Builder, xs: Offset[]): Offset {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!);
  return b.endVector();
}

/** QuantizationParameters; equal parameters (e.g. of a pool's input and output) share one table. */
function writeQuant(b: Builder, vec: SharedVectors, cache: Map<string, Offset>, t: Tensor): Offset {
  const q = t.quant;
  if (!q) return 0;
  const key = JSON.stringify([q.scale.map(Math.fround), q.zeroPoint, q.axis, q.min, q.max]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const min = q.min ? vec.float32(q.min) : 0;
  const max = q.max ? vec.float32(q.max) : 0;
  const scale = vec.float32(q.scale);
  const zp = vec.int64(q.zeroPoint);
  start(b, 7);
  if (min) b.addFieldOffset(QUANT.min, min, 0);
  if (max) b.addFieldOffset(QUANT.max, max, 0);
  b.addFieldOffset(QUANT.scale, scale, 0);
  b.addFieldOffset(QUANT.zero_point, zp, 0);
  b.addFieldInt32(QUANT.quantized_dimension, q.axis, 0);
  const off = b.endObject();
  cache.set(key, off);
  return off;
}

function checkIndex(g: Graph, i: number, optional: boolean, where: string): void {
  const ok = Number.isInteger(i) && ((optional && i === -1) || (i >= 0 && i < g.tensors.length));
  if (!ok) fail(`tensor index ${i} out of range (graph has ${g.tensors.length} tensors)`, where);
}

/** A tensor the writer can serialise faithfully: known dtype, data matching the shape, sane quant. */
function checkTensor(t: Tensor, i: number): void {
  const where = `tensor ${i} '${t.name}'`;
  const size = DTYPE_BYTES[t.dtype];
  if (size === undefined) fail(`unsupported dtype '${t.dtype}'`, where);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) {
    fail(`shape [${t.shape.join(",")}] has a dimension that is not an int32 >= 0`, where);
  }
  if (t.data) {
    const want = t.shape.reduce((a, d) => a * d, 1) * size;
    if (t.data.byteLength !== want) {
      fail(
        `data has ${t.data.byteLength} bytes but shape [${t.shape.join(",")}] ${t.dtype} needs ${want}`,
        where,
      );
    }
  }
  const q = t.quant;
  if (q && !(q.scale.every(Number.isFinite) && q.zeroPoint.every(Number.isSafeInteger))) {
    fail("quantization scales must be finite numbers and zero points integers", where);
  }
  if (q && !(Number.isInteger(q.axis) && q.axis >= 0 && q.axis < 2 ** 31)) {
    fail(`quantization axis ${q.axis} is not an int32 >= 0`, where);
  }
  if (q && (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length)) {
    fail(
      `quantization has ${q.scale.length} scales and ${q.zeroPoint.length} zero points (need equal, >= 1)`,
      where,
    );
  }
  if (q && (q.min?.length ?? 0) !== (q.max?.length ?? 0)) {
    fail("quantization min and max must have the same length", where);
  }
}

/** Serialises the graph as a TFLite flatbuffer. Throws EdgeqError on an IR it cannot write. */
export function writeTflite(g: Graph): Uint8Array {
  g.tensors.forEach(checkTensor);
  const size = g.tensors.reduce((s, t) => s + (t.data ? t.data.byteLength + 16 : 0), 1024);
  const b = new Builder(size + g.tensors.length * 64 + g.ops.length * 64);
  // at offset 0 this pads nothing; finish() then makes the file length a multiple of 8, which
  // keeps int64 vectors reused from earlier bytes 8-aligned (write-share.ts)
  b.prep(8, 0);

  // Buffers: 0 is the empty sentinel, then one per constant tensor, then metadata payloads;
  // names fill the gaps their alignment leaves where they fit (write-layout.ts).
  const payloads: Uint8Array[] = [];
  const tensorBuffer: number[] = g.tensors.map((t) => {
    if (!t.data || t.data.byteLength === 0) return 0;
    payloads.push(bytesOf(t.data));
    return payloads.length;
  });
  const metadataBuffer = (g.metadata ?? []).map((m) => {
    payloads.push(m.data);
    return payloads.length;
  });
  const metaNames = (g.metadata ?? []).map((m) => m.name);
  const { buffers, strings } = writeBuffers(b, payloads, [...g.tensors.map((t) => t.name), ...metaNames]);
  const string = (x: string) => {
    let o = strings.get(x);
    if (o === undefined) {
      o = b.createString(x);
      strings.set(x, o);
    }
    return o;
  };
  const vec = new SharedVectors(b);
  vec.startStructure();
  const metadata: Offset[] = (g.metadata ?? []).map((m, k) => {
    const name = string(m.name);
    start(b, 2);
    b.addFieldOffset(METADATA.name, name, 0);
    b.addFieldInt32(METADATA.buffer, metadataBuffer[k]!, 0);
    return b.endObject();
  });

  // Integer vectors longest first, so that shorter ones can reuse their bytes (write-share.ts).
  const ints: number[][] = [...g.tensors.map((t) => t.shape), ...g.ops.flatMap((o) => [o.inputs, o.outputs])];
  ints.push(g.inputs, g.outputs);
  for (const xs of ints.sort((x, y) => y.length - x.length)) {
    if (Array.isArray(xs) && xs.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31))
      vec.int32(xs);
  }
  const quantCache = new Map<string, Offset>();
  const tensors: Offset[] = g.tensors.map((t, i) => {
    const where = `tensor ${i} '${t.name}'`;
    const type = TENSOR_TYPE[t.dtype];
    if (type === undefined) fail(`unsupported dtype '${t.dtype}'`, where);
    // empty names are left out (the reader gives "" back)
    const name = t.name ? string(t.name) : 0;
    const shape = vec.int32(t.shape);
    const quant = writeQuant(b, vec, quantCache, t);
    start(b, 5);
    b.addFieldOffset(TENSOR.shape, shape, 0);
    b.addFieldInt8(TENSOR.type, type, 0);
    b.addFieldInt32(TENSOR.buffer, tensorBuffer[i]!, 0);
    if (name) b.addFieldOffset(TENSOR.name, name, 0);
    if (quant) b.addFieldOffset(TENSOR.quantization, quant, 0);
    return b.endObject();
  });

  // Operator codes: one per (builtin code, version).
  const codeKeys: string[] = [];
  const codes: Offset[] = [];
  const optionsCache = new Map<string, [number, Offset]>();
  const operators: Offset[] = g.ops.map((op, k) => {
    const where = `op ${k} ${op.type}`;
    const code = BUILTIN_CODE[op.type];
    if (code === undefined) fail(`unsupported op '${op.type}'`, where);
    for (const i of op.inputs) checkIndex(g, i, true, where);
    for (const i of op.outputs) checkIndex(g, i, false, where);
    const version = opVersion(g, op);
    const key = `${code}/${version}`;
    let index = codeKeys.indexOf(key);
    if (index < 0) {
      start(b, 4);
      // int32 fields first, the byte last: no padding between fields
      b.addFieldInt32(OPERATOR_CODE.builtin_code, code, 0);
      b.addFieldInt32(OPERATOR_CODE.version, version, 1);
      b.addFieldInt8(
        OPERATOR_CODE.deprecated_builtin_code,
        Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES),
        0,
      );
      codes.push(b.endObject());
      codeKeys.push(key);
      index = codeKeys.length - 1;
    }
    // Equal options tables (e.g. of all 1x1 convs) are written once and shared.
    const optKey = `${op.type}:${JSON.stringify(op.options)}`;
    const cached = optionsCache.get(optKey);
    b.prep(4, 0);
    const [optType, opts] = cached ?? writeOptions(b, vec, op, where);
    if (!cached) optionsCache.set(optKey, [optType, opts]);
    const inputs = vec.int32(op.inputs);
    const outputs = vec.int32(op.outputs);
    start(b, 5);
    b.addFieldInt32(OPERATOR.opcode_index, index, 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    b.addFieldInt8(OPERATOR.builtin_options_type, optType, 0);
    if (opts) b.addFieldOffset(OPERATOR.builtin_options, opts, 0);
    return b.endObject();
  });

  for (const i of g.inputs) checkIndex(g, i, false, "graph inputs");
  for (const i of g.outputs) checkIndex(g, i, false, "graph outputs");
  const tensorsV = offsetVector(b, tensors);
  const inputsV = vec.int32(g.inputs);
  const outputsV = vec.int32(g.outputs);
  const operatorsV = offsetVector(b, operators);
  start(b, 4);
  b.addFieldOffset(SUBGRAPH.tensors, tensorsV, 0);
  b.addFieldOffset(SUBGRAPH.inputs, inputsV, 0);
  b.addFieldOffset(SUBGRAPH.outputs, outputsV, 0);
  b.addFieldOffset(SUBGRAPH.operators, operatorsV, 0);
  const subgraph = b.endObject();

  const codesV = offsetVector(b, codes);
  const subgraphsV = offsetVector(b, [subgraph]);
  const description = b.createString(g.description ?? "edgeq");
  const buffersV = offsetVector(b, buffers);
  const metadataV = metadata.length ? offsetVector(b, metadata) : 0;
  start(b, 7);
  b.addFieldInt32(MODEL.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(MODEL.operator_codes, codesV, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphsV, 0);
  b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, buffersV, 0);
  if (metadataV) b.addFieldOffset(MODEL.metadata, metadataV, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
