/**
 * IR -> .tflite (TFLite schema version 3), written compactly: one subgraph, no signature
 * defs, no subgraph name, options tables only where an op has options, buffer 0 empty,
 * every constant's data in its own 16-byte aligned buffer, description = g.description
 * (default "edgeq") and Model.metadata entries from g.metadata.
 */
import { Builder } from "flatbuffers";
import { EdgeqError } from "../errors.js";
import type { Activation, Graph, Op, Padding, Tensor, TensorData } from "../ir/types.js";
import {
  ACTIVATION,
  BUFFER,
  BUILTIN_CODE,
  BUILTIN_OPTIONS,
  CONCAT_OPTS,
  CONV2D_OPTS,
  DTYPE_BYTES,
  DWCONV2D_OPTS,
  ELEMENTWISE_OPTS,
  FC_OPTS,
  FILE_IDENTIFIER,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  PADDING,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  POOL2D_OPTS,
  QUANT,
  REDUCER_OPTS,
  RESHAPE_OPTS,
  SCHEMA_VERSION,
  SOFTMAX_OPTS,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
} from "./schema.js";

type Offset = number;

function bytesOf(d: TensorData): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Scalar vectors, deduplicated: FlatBuffers lets many tables point at one vector, so equal
 * shapes, zero-point and scale lists are written once (it keeps small models small).
 */
class Vectors {
  private readonly cache = new Map<string, Offset>();
  constructor(private readonly b: Builder) {}

  private get(kind: string, xs: ArrayLike<number>, write: () => Offset): Offset {
    const key = `${kind}:${Array.prototype.join.call(xs, ",")}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = write();
      this.cache.set(key, v);
    }
    return v;
  }

  int32(xs: ArrayLike<number>): Offset {
    return this.get("i32", xs, () => {
      this.b.startVector(4, xs.length, 4);
      for (let i = xs.length - 1; i >= 0; i--) this.b.addInt32(xs[i]!);
      return this.b.endVector();
    });
  }

  float32(xs: ArrayLike<number>): Offset {
    const f = Float32Array.from(xs);
    return this.get("f32", f, () => {
      this.b.startVector(4, f.length, 4);
      for (let i = f.length - 1; i >= 0; i--) this.b.addFloat32(f[i]!);
      return this.b.endVector();
    });
  }

  int64(xs: ArrayLike<number>): Offset {
    return this.get("i64", xs, () => {
      this.b.startVector(8, xs.length, 8);
      for (let i = xs.length - 1; i >= 0; i--) this.b.addInt64(BigInt(Math.trunc(xs[i]!)));
      return this.b.endVector();
    });
  }
}

function offsetVector(b: Builder, xs: Offset[]): Offset {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!);
  return b.endVector();
}

/** [ubyte] (force_align: 16) */
function alignedBytes(b: Builder, data: Uint8Array): Offset {
  b.startVector(1, data.length, 16);
  for (let i = data.length - 1; i >= 0; i--) b.writeInt8(data[i]!);
  return b.endVector();
}

function bufferTable(b: Builder, data: Uint8Array | undefined): Offset {
  const v = data && data.length > 0 ? alignedBytes(b, data) : 0;
  b.startObject(1);
  if (v) b.addFieldOffset(BUFFER.data, v, 0);
  return b.endObject();
}

/** The operator version TensorFlow's converter would give this op (TFLite checks it is registered). */
export function opVersion(g: Graph, op: Op): number {
  const t = g.tensors[op.inputs[0] ?? -1];
  const int8 = t?.dtype === "int8" || g.tensors[op.outputs[0] ?? -1]?.dtype === "int8";
  switch (op.type) {
    case "CONV_2D":
      return int8 ? 3 : op.options.dilationH !== 1 || op.options.dilationW !== 1 ? 2 : 1;
    case "DEPTHWISE_CONV_2D":
      return int8 ? 3 : op.options.dilationH !== 1 || op.options.dilationW !== 1 ? 2 : 1;
    case "FULLY_CONNECTED":
      return op.options.keepNumDims ? 5 : int8 ? 4 : 1;
    case "RESHAPE":
      return 1;
    case "QUANTIZE":
      // float -> int8 is version 1 (as TensorFlow's converter writes it); requantize is 2
      return t?.dtype === "float32" ? 1 : 2;
    default:
      return int8 ? 2 : 1;
  }
}

function fail(what: string, where: string): never {
  throw new EdgeqError("tflite/write", what, where);
}

function activation(a: Activation, where: string): number {
  const v = ACTIVATION[a];
  if (v === undefined) fail(`unsupported fused activation '${a}' (use NONE, RELU or RELU6)`, where);
  return v;
}

function padding(p: Padding, where: string): number {
  const v = PADDING[p];
  if (v === undefined) fail(`unsupported padding '${p}' (use SAME or VALID)`, where);
  return v;
}

/** Writes the op's builtin options table; returns [union type, offset] (0, 0 when none). */
function writeOptions(b: Builder, vec: Vectors, op: Op, where: string): [number, Offset] {
  switch (op.type) {
    case "CONV_2D": {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(CONV2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(CONV2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(CONV2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt8(CONV2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt32(CONV2D_OPTS.dilation_w_factor, o.dilationW, 1);
      b.addFieldInt32(CONV2D_OPTS.dilation_h_factor, o.dilationH, 1);
      return [BUILTIN_OPTIONS.Conv2DOptions, b.endObject()];
    }
    case "DEPTHWISE_CONV_2D": {
      const o = op.options;
      b.startObject(7);
      b.addFieldInt8(DWCONV2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(DWCONV2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(DWCONV2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt32(DWCONV2D_OPTS.depth_multiplier, o.depthMultiplier, 0);
      b.addFieldInt8(DWCONV2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt32(DWCONV2D_OPTS.dilation_w_factor, o.dilationW, 1);
      b.addFieldInt32(DWCONV2D_OPTS.dilation_h_factor, o.dilationH, 1);
      return [BUILTIN_OPTIONS.DepthwiseConv2DOptions, b.endObject()];
    }
    case "FULLY_CONNECTED": {
      const o = op.options;
      b.startObject(3);
      b.addFieldInt8(FC_OPTS.fused_activation_function, activation(o.activation, where), 0);
      b.addFieldInt8(FC_OPTS.keep_num_dims, o.keepNumDims ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.FullyConnectedOptions, b.endObject()];
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D": {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(POOL2D_OPTS.padding, padding(o.padding, where), 0);
      b.addFieldInt32(POOL2D_OPTS.stride_w, o.strideW, 0);
      b.addFieldInt32(POOL2D_OPTS.stride_h, o.strideH, 0);
      b.addFieldInt32(POOL2D_OPTS.filter_width, o.filterW, 0);
      b.addFieldInt32(POOL2D_OPTS.filter_height, o.filterH, 0);
      b.addFieldInt8(POOL2D_OPTS.fused_activation_function, activation(o.activation, where), 0);
      return [BUILTIN_OPTIONS.Pool2DOptions, b.endObject()];
    }
    case "MEAN": {
      b.startObject(1);
      b.addFieldInt8(REDUCER_OPTS.keep_dims, op.options.keepDims ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.ReducerOptions, b.endObject()];
    }
    case "ADD":
    case "MUL": {
      b.startObject(1);
      b.addFieldInt8(ELEMENTWISE_OPTS.fused_activation_function, activation(op.options.activation, where), 0);
      return [op.type === "ADD" ? BUILTIN_OPTIONS.AddOptions : BUILTIN_OPTIONS.MulOptions, b.endObject()];
    }
    case "RESHAPE": {
      const ns = op.options.newShape;
      if (!ns) return [0, 0];
      const v = vec.int32(ns);
      b.startObject(1);
      b.addFieldOffset(RESHAPE_OPTS.new_shape, v, 0);
      return [BUILTIN_OPTIONS.ReshapeOptions, b.endObject()];
    }
    case "SOFTMAX": {
      b.startObject(1);
      b.addFieldFloat32(SOFTMAX_OPTS.beta, op.options.beta, 0);
      return [BUILTIN_OPTIONS.SoftmaxOptions, b.endObject()];
    }
    case "CONCATENATION": {
      b.startObject(2);
      b.addFieldInt32(CONCAT_OPTS.axis, op.options.axis, 0);
      b.addFieldInt8(CONCAT_OPTS.fused_activation_function, activation(op.options.activation, where), 0);
      return [BUILTIN_OPTIONS.ConcatenationOptions, b.endObject()];
    }
    case "PAD":
    case "QUANTIZE":
    case "DEQUANTIZE":
    case "RELU":
    case "RELU6":
      return [0, 0];
    default: {
      const t = (op as { type: string }).type;
      return fail(`unsupported op '${t}'`, where);
    }
  }
}

/** QuantizationParameters; equal parameters (e.g. of a pool's input and output) share one table. */
function writeQuant(b: Builder, vec: Vectors, cache: Map<string, Offset>, t: Tensor): Offset {
  const q = t.quant;
  if (!q) return 0;
  const key = JSON.stringify([q.scale.map(Math.fround), q.zeroPoint, q.axis, q.min, q.max]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const min = q.min ? vec.float32(q.min) : 0;
  const max = q.max ? vec.float32(q.max) : 0;
  const scale = vec.float32(q.scale);
  const zp = vec.int64(q.zeroPoint);
  b.startObject(7);
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

  // Buffers: 0 is the empty sentinel, then one per constant tensor, then metadata payloads.
  const buffers: Offset[] = [bufferTable(b, undefined)];
  const tensorBuffer: number[] = g.tensors.map((t) => {
    if (!t.data || t.data.byteLength === 0) return 0;
    buffers.push(bufferTable(b, bytesOf(t.data)));
    return buffers.length - 1;
  });
  const metadata: Offset[] = (g.metadata ?? []).map((m) => {
    buffers.push(bufferTable(b, m.data));
    const name = b.createString(m.name);
    b.startObject(2);
    b.addFieldOffset(METADATA.name, name, 0);
    b.addFieldInt32(METADATA.buffer, buffers.length - 1, 0);
    return b.endObject();
  });

  const vec = new Vectors(b);
  const quantCache = new Map<string, Offset>();
  const tensors: Offset[] = g.tensors.map((t, i) => {
    const where = `tensor ${i} '${t.name}'`;
    const type = TENSOR_TYPE[t.dtype];
    if (type === undefined) fail(`unsupported dtype '${t.dtype}'`, where);
    // empty names are left out (the reader gives "" back)
    const name = t.name ? b.createString(t.name) : 0;
    const shape = vec.int32(t.shape);
    const quant = writeQuant(b, vec, quantCache, t);
    b.startObject(5);
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
      b.startObject(4);
      b.addFieldInt8(
        OPERATOR_CODE.deprecated_builtin_code,
        Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES),
        0,
      );
      b.addFieldInt32(OPERATOR_CODE.version, version, 1);
      b.addFieldInt32(OPERATOR_CODE.builtin_code, code, 0);
      codes.push(b.endObject());
      codeKeys.push(key);
      index = codeKeys.length - 1;
    }
    // Equal options tables (e.g. of all 1x1 convs) are written once and shared.
    const optKey = `${op.type}:${JSON.stringify(op.options)}`;
    const cached = optionsCache.get(optKey);
    const [optType, opts] = cached ?? writeOptions(b, vec, op, where);
    if (!cached) optionsCache.set(optKey, [optType, opts]);
    const inputs = vec.int32(op.inputs);
    const outputs = vec.int32(op.outputs);
    b.startObject(5);
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
  b.startObject(4);
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
  b.startObject(7);
  b.addFieldInt32(MODEL.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(MODEL.operator_codes, codesV, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphsV, 0);
  b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, buffersV, 0);
  if (metadataV) b.addFieldOffset(MODEL.metadata, metadataV, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
