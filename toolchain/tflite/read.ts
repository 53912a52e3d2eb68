/**
 * .tflite -> IR through the bounds-checked accessors of fbverify.ts. Anything malformed is an
 * EdgeqError naming the byte offset and the field (Model.subgraphs[0].tensors[3].shape ...).
 * Real converters' quirks are accepted: the op in `deprecated_builtin_code` (the real op is
 * the larger of it and `builtin_code`), `quantized_dimension` past the rank of a 1-D tensor
 * (a depthwise bias; warned about and read as 0).
 */
import { EdgeqError } from "../errors.js";
import { checkOp, isUnsupportedFeature } from "../ir/op-checks.js";
import { checkGraph } from "../ir/shapes.js";
import type {
  DType,
  Graph,
  MetadataEntry,
  Op,
  OpType,
  QuantParams,
  Tensor,
  TensorData,
} from "../ir/types.js";
import { OP_TYPES } from "../ir/types.js";
import { FbReader, type Table } from "./fbverify.js";
import { CUSTOM_CODE, opLabel, tensorTypeName } from "./op-names.js";
import { readOptions } from "./read-options.js";
import {
  BUFFER,
  BUILTIN_CODE,
  DTYPE_BYTES,
  FILE_IDENTIFIER,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  QUANT,
  SCHEMA_VERSION,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
} from "./schema.js";

export interface ReadOptions {
  /** Called for each tolerated irregularity (e.g. quantized_dimension 3 on a 1-D bias). */
  onWarning?(msg: string): void;
  /** File name used in messages (default "model"). */
  source?: string;
  /**
   * Run checkGraph on the result (default true): the graph returned then has consistent
   * indices, shapes and quantization. Pass false to get whatever the file holds.
   */
  check?: boolean;
  /** Observer of every flatbuffer structure read (tooling: the fuzzer aims mutations with it). */
  trace?: FbReader["trace"];
  /**
   * When given, ops edgeq's IR cannot hold (an op code outside the IR, a custom op, options
   * the IR cannot express such as a fused TANH) are appended here instead of failing the
   * read, and left out of the graph's ops; checkGraph then treats their outputs as computed.
   * `edgeq inspect` uses it to show any valid .tflite.
   */
  foreignOps?: ForeignOp[];
  /**
   * With foreignOps: tensors edgeq's IR cannot hold (an element type such as FLOAT16, sparse
   * storage) are recorded here by index with the reason and read as data-less uint8
   * placeholders of their shape; every op touching one is a foreign op.
   */
  foreignTensors?: Map<number, ForeignTensor>;
}

/** A tensor edgeq's IR cannot hold (see ReadOptions.foreignTensors). */
export interface ForeignTensor {
  /** Its element type as inspect shows it: `float16`, `sparse int8`. */
  type: string;
  /** Why edgeq cannot hold it. */
  reason: string;
  /** Bytes of constant data it holds (0 for an activation). */
  bytes: number;
}

/** An op of the file that edgeq's IR does not hold (see ReadOptions.foreignOps). */
export interface ForeignOp {
  /** Position among the file's operators. */
  index: number;
  /** The builtin code (32 = CUSTOM). */
  code: number;
  /** TFLite's name for it: `LSTM`, `CUSTOM 'name'`, or `builtin op code N` past TFLite's table. */
  name: string;
  inputs: number[];
  outputs: number[];
  /** Why edgeq cannot hold it. */
  reason: string;
}

/** EdgeqError codes of a valid file's features edgeq does not implement (foreign ops, not damage). */
const UNSUPPORTED_FEATURE = new Set(["tflite/unsupported-activation", "tflite/unsupported-options"]);

const OP_BY_CODE = new Map<number, OpType>(OP_TYPES.map((t) => [BUILTIN_CODE[t], t]));
const DTYPE_BY_CODE = new Map<number, DType>(Object.entries(TENSOR_TYPE).map(([d, c]) => [c, d as DType]));

interface Ctx {
  r: FbReader;
  warn(msg: string): void;
  buffers: Table[];
  /** Lenient reading (foreignOps given): tensors edgeq cannot hold, by index, and why. */
  foreignTensors?: Map<number, ForeignTensor>;
}

function typedArray(dtype: DType, bytes: Uint8Array): TensorData {
  const copy = bytes.slice().buffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(copy);
    case "int32":
      return new Int32Array(copy);
    case "int16":
      return new Int16Array(copy);
    case "int64":
      return new BigInt64Array(copy);
    case "int8":
      return new Int8Array(copy);
    default:
      return new Uint8Array(copy);
  }
}

/** The bytes of buffer `index`, or undefined when it is empty. */
function bufferBytes(c: Ctx, index: number, path: string): Uint8Array | undefined {
  const t = c.buffers[index];
  if (!t) {
    c.r.fail("tflite/bad-index", `buffer index ${index} out of range (${c.buffers.length} buffers)`, path);
  }
  const data = t.bytes(BUFFER.data, "data");
  if (data && data.length > 0) return data;
  // Models over 2 GB keep buffers after the flatbuffer: offset/size from the file start.
  const offset = t.u64(BUFFER.offset, "offset", 0);
  const size = t.u64(BUFFER.size, "size", 0);
  if (offset > 1 && size > 0) {
    c.r.need(offset, size, `${t.path}.offset`);
    return c.r.bytes.subarray(offset, offset + size);
  }
  return undefined;
}

function readQuant(c: Ctx, q: Table, shape: number[], path: string): QuantParams | undefined {
  const scale = q.f32s(QUANT.scale, "scale");
  if (scale.length === 0) return undefined;
  let zeroPoint = q.i64s(QUANT.zero_point, "zero_point");
  if (zeroPoint.length === 0) zeroPoint = scale.map(() => 0);
  if (zeroPoint.length !== scale.length) {
    c.r.fail(
      "tflite/bad-quant",
      `${scale.length} scales but ${zeroPoint.length} zero points (they must match)`,
      `${path}.zero_point`,
    );
  }
  let axis = q.i32(QUANT.quantized_dimension, "quantized_dimension", 0);
  const rank = shape.length;
  if (axis < 0 || (axis >= rank && !(rank === 0 && axis === 0))) {
    if (rank <= 1 || scale.length === 1) {
      c.warn(`${path}: quantized_dimension ${axis} on a rank-${rank} tensor; read as 0`);
      axis = 0;
    } else {
      c.r.fail(
        "tflite/bad-quant",
        `quantized_dimension ${axis} is not an axis of a rank-${rank} tensor`,
        path,
      );
    }
  }
  if (scale.length > 1 && scale.length !== shape[axis]) {
    c.r.fail(
      "tflite/bad-quant",
      `${scale.length} per-channel scales but dimension ${axis} has size ${shape[axis]}`,
      `${path}.scale`,
    );
  }
  const out: QuantParams = { scale, zeroPoint, axis };
  const min = q.f32s(QUANT.min, "min");
  const max = q.f32s(QUANT.max, "max");
  if (min.length) out.min = min;
  if (max.length) out.max = max;
  return out;
}

function readTensor(c: Ctx, t: Table, i: number): Tensor {
  const path = t.path;
  const shape = t.i32s(TENSOR.shape, "shape");
  shape.forEach((d, k) => {
    if (d < 0) c.r.fail("tflite/bad-shape", `dimension ${k} is ${d} (must be >= 0)`, `${path}.shape`);
  });
  const code = t.i8(TENSOR.type, "type", 0);
  const dtype = DTYPE_BY_CODE.get(code);
  const name = t.string(TENSOR.name, "name") ?? "";
  // lenient reading keeps a tensor edgeq cannot hold as a data-less placeholder of its shape
  const foreign = (type: string, reason: string): Tensor => {
    const data = bufferBytes(c, t.u32(TENSOR.buffer, "buffer", 0), `${path}.buffer`);
    c.foreignTensors!.set(i, { type, reason, bytes: data?.length ?? 0 });
    return { name, shape, dtype: "uint8" };
  };
  if (!dtype) {
    const what = `element type ${tensorTypeName(code)}`;
    if (c.foreignTensors) return foreign(tensorTypeName(code).toLowerCase(), what);
    throw new EdgeqError(
      "tflite/unsupported-type",
      `${c.r.source}: tensor ${i} has ${what}; edgeq supports ${Object.keys(TENSOR_TYPE).join(", ")}`,
      `${path}.type`,
    );
  }
  if (t.field(TENSOR.sparsity, 4, "sparsity") >= 0) {
    if (c.foreignTensors) return foreign(`sparse ${dtype}`, "sparse storage");
    throw new EdgeqError(
      "tflite/unsupported-sparse",
      `${c.r.source}: tensor ${i} is stored sparse; edgeq reads dense tensors only (convert without sparsity)`,
      `${path}.sparsity`,
    );
  }
  const tensor: Tensor = { name, shape, dtype };
  const bytes = bufferBytes(c, t.u32(TENSOR.buffer, "buffer", 0), `${path}.buffer`);
  if (bytes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const want = n * DTYPE_BYTES[dtype];
    if (want !== bytes.length) {
      c.r.fail(
        "tflite/bad-data",
        `shape [${shape.join(",")}] ${dtype} needs ${want} bytes but its buffer holds ${bytes.length}`,
        `${path}.buffer`,
      );
    }
    c.r.charge(bytes.length, `${path}.buffer`, t.pos);
    tensor.data = typedArray(dtype, bytes);
  }
  const q = t.subtable(TENSOR.quantization, "quantization");
  const quant = q ? readQuant(c, q, shape, q.path) : undefined;
  if (quant) tensor.quant = quant;
  return tensor;
}

function readIndices(c: Ctx, t: Table, id: number, name: string, n: number, optional: boolean): number[] {
  const xs = t.i32s(id, name);
  xs.forEach((x, k) => {
    if (x >= n || x < (optional ? -1 : 0)) {
      c.r.fail(
        "tflite/bad-index",
        `tensor index ${x} out of range (${n} tensors)`,
        `${t.path}.${name}[${k}]`,
        t.pos,
      );
    }
  });
  return xs;
}

/**
 * Parses and verifies a .tflite file, then (unless opts.check is false) checks the graph's
 * shapes and quantization. Throws EdgeqError (with code and where) on anything malformed.
 */
export function readTflite(bytes: Uint8Array, opts: ReadOptions = {}): Graph {
  const r: FbReader = new FbReader(bytes, opts.source ?? "model");
  if (opts.trace) r.trace = opts.trace;
  if (bytes.length < 8) r.fail("tflite/truncated", `file is ${bytes.length} bytes, too short`, "header");
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== FILE_IDENTIFIER) {
    r.fail("tflite/identifier", `file identifier is ${JSON.stringify(ident)}, expected "TFL3"`, "header", 4);
  }
  const c: Ctx = { r, warn: (m) => opts.onWarning?.(m), buffers: [] };
  if (opts.foreignOps) c.foreignTensors = opts.foreignTensors ?? new Map();
  const model = r.root("Model");
  const version = model.u32(MODEL.version, "version", 0);
  if (version !== SCHEMA_VERSION) {
    r.fail(
      "tflite/version",
      `schema version ${version}, edgeq reads version ${SCHEMA_VERSION}`,
      "Model.version",
    );
  }
  c.buffers = model.tables(MODEL.buffers, "buffers");

  const codes = model.tables(MODEL.operator_codes, "operator_codes").map((t) => {
    const dep = t.i8(OPERATOR_CODE.deprecated_builtin_code, "deprecated_builtin_code", 0);
    const code = Math.max(dep, t.i32(OPERATOR_CODE.builtin_code, "builtin_code", 0));
    return { code, custom: t.string(OPERATOR_CODE.custom_code, "custom_code"), path: t.path };
  });

  const subgraphs = model.tables(MODEL.subgraphs, "subgraphs");
  const sg = subgraphs[0];
  if (!sg) r.fail("tflite/no-subgraph", "the model has no subgraph", "Model.subgraphs");
  if (subgraphs.length > 1) c.warn(`model has ${subgraphs.length} subgraphs; edgeq reads the first only`);

  const tensors = sg.tables(SUBGRAPH.tensors, "tensors").map((t, i) => readTensor(c, t, i));
  const n = tensors.length;
  const foreign = opts.foreignOps;
  const external: number[] = [];
  const ops: Op[] = [];
  /** Each IR op's position among the file's operators. */
  const fileIndex: number[] = [];
  for (const [k, t] of sg.tables(SUBGRAPH.operators, "operators").entries()) {
    const idx = t.u32(OPERATOR.opcode_index, "opcode_index", 0);
    const oc = codes[idx];
    if (!oc) {
      r.fail("tflite/bad-index", `opcode_index ${idx} out of range (${codes.length} codes)`, t.path, t.pos);
    }
    const inputs = readIndices(c, t, OPERATOR.inputs, "inputs", n, true);
    const outputs = readIndices(c, t, OPERATOR.outputs, "outputs", n, false);
    const name = opLabel(oc.code, oc.custom);
    const keep = (reason: string) => {
      foreign?.push({ index: k, code: oc.code, name, inputs, outputs, reason });
      external.push(...outputs);
    };
    const odd = [...inputs, ...outputs].find((i) => c.foreignTensors?.has(i));
    if (odd !== undefined) {
      keep(`tensor ${odd} has ${c.foreignTensors!.get(odd)!.reason}, which edgeq does not hold`);
      continue;
    }
    const type = OP_BY_CODE.get(oc.code);
    if (!type) {
      const what = oc.code === CUSTOM_CODE ? "a custom op" : "not an op of edgeq's IR";
      if (foreign) {
        keep(what);
        continue;
      }
      const code = oc.code === CUSTOM_CODE ? "" : ` (builtin op code ${oc.code})`;
      throw new EdgeqError(
        "tflite/unsupported-op",
        `${r.source}: op ${k} is ${name}${code}, which edgeq does not support (supported: ${OP_TYPES.join(", ")})`,
        t.path,
      );
    }
    let options: Op["options"];
    try {
      options = readOptions(c.r, type, t);
    } catch (e) {
      if (!(foreign && e instanceof EdgeqError && UNSUPPORTED_FEATURE.has(e.code))) throw e;
      keep(e.message);
      continue;
    }
    ops.push({ type, inputs, outputs, options } as Op);
    fileIndex.push(k);
  }

  const g: Graph = {
    tensors,
    ops,
    inputs: readIndices(c, sg, SUBGRAPH.inputs, "inputs", n, false),
    outputs: readIndices(c, sg, SUBGRAPH.outputs, "outputs", n, false),
  };
  const description = model.string(MODEL.description, "description");
  if (description !== undefined) g.description = description;
  const metadata: MetadataEntry[] = model.tables(MODEL.metadata, "metadata").map((t) => {
    const b = t.u32(METADATA.buffer, "buffer", 0);
    const data = bufferBytes(c, b, `${t.path}.buffer`);
    if (data) r.charge(data.length, t.path, t.pos);
    return { name: t.string(METADATA.name, "name") ?? "", data: data ? data.slice() : new Uint8Array(0) };
  });
  if (metadata.length) g.metadata = metadata;
  if (foreign) {
    // ops of the IR using a feature edgeq does not implement (a uint8 or int16 convolution)
    // are foreign too; a real inconsistency is left for checkGraph to report
    for (let k = g.ops.length - 1; k >= 0; k--) {
      const op = g.ops[k]!;
      try {
        checkOp(g, op, k);
      } catch (e) {
        if (!isUnsupportedFeature(e)) continue;
        const code = BUILTIN_CODE[op.type];
        const reason = (e as Error).message;
        foreign.push({
          index: fileIndex[k]!,
          code,
          name: op.type,
          inputs: op.inputs,
          outputs: op.outputs,
          reason,
        });
        external.push(...op.outputs);
        g.ops.splice(k, 1);
      }
    }
    foreign.sort((a, b) => a.index - b.index);
  }
  if (opts.check !== false) checkGraph(g, { external, ignore: [...(c.foreignTensors?.keys() ?? [])] });
  return g;
}
