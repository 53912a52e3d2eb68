import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ByteBuffer } from "flatbuffers";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { OP_TYPES } from "../../toolchain/ir/types.js";
import { generate, listFiles } from "../../toolchain/tflite/gen.js";
import { BEGIN } from "../../toolchain/tflite/gen-builtins.js";
import { BuiltinOperator } from "../../toolchain/tflite/generated/tflite/builtin-operator.js";
import { BuiltinOptions } from "../../toolchain/tflite/generated/tflite/builtin-options.js";
import { ConcatenationOptions } from "../../toolchain/tflite/generated/tflite/concatenation-options.js";
import { Conv2DOptions } from "../../toolchain/tflite/generated/tflite/conv2doptions.js";
import { DepthwiseConv2DOptions } from "../../toolchain/tflite/generated/tflite/depthwise-conv2doptions.js";
import { FullyConnectedOptions } from "../../toolchain/tflite/generated/tflite/fully-connected-options.js";
import { Model } from "../../toolchain/tflite/generated/tflite/model.js";
import { Pool2DOptions } from "../../toolchain/tflite/generated/tflite/pool2doptions.js";
import { ReducerOptions } from "../../toolchain/tflite/generated/tflite/reducer-options.js";
import { ReshapeOptions } from "../../toolchain/tflite/generated/tflite/reshape-options.js";
import { SoftmaxOptions } from "../../toolchain/tflite/generated/tflite/softmax-options.js";
import * as S from "../../toolchain/tflite/schema.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { floatDsCnn, int8DsCnn } from "../helpers/models.js";
import { repoRoot } from "../helpers/refmodels.js";

const genDir = resolve(repoRoot, "toolchain/tflite/generated");

/** Field ids flatc gave each table: from the generated `static addX(builder..) { builder.addFieldT(ID, ...`. */
function flatcIds(file: string): Record<string, number> {
  const src = readFileSync(join(genDir, "tflite", file), "utf8");
  const ids: Record<string, number> = {};
  for (const m of src.matchAll(/static add(\w+)\(builder[^)]*\) \{\s*builder\.addField\w+\((\d+),/g)) {
    ids[m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1)] = Number(m[2]);
  }
  return ids;
}

const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

describe("schema.fbs, flatc output and schema.ts agree", () => {
  it("generated/ is what `npm run gen:tflite` makes from schema.fbs (flatc --ts)", () => {
    const tmp = join(tmpdir(), `edgeq-gen-${process.pid}`);
    const files = generate(tmp);
    expect(files).toEqual(listFiles(genDir));
    for (const f of files)
      expect(readFileSync(join(tmp, f), "utf8")).toBe(readFileSync(join(genDir, f), "utf8"));
    rmSync(tmp, { recursive: true, force: true });
  });

  const tables: [string, Record<string, number>][] = [
    ["model.ts", S.MODEL],
    ["operator-code.ts", S.OPERATOR_CODE],
    ["sub-graph.ts", S.SUBGRAPH],
    ["tensor.ts", S.TENSOR],
    ["quantization-parameters.ts", S.QUANT],
    ["operator.ts", S.OPERATOR],
    ["buffer.ts", S.BUFFER],
    ["metadata.ts", S.METADATA],
    ["conv2doptions.ts", S.CONV2D_OPTS],
    ["depthwise-conv2doptions.ts", S.DWCONV2D_OPTS],
    ["pool2doptions.ts", S.POOL2D_OPTS],
    ["fully-connected-options.ts", S.FC_OPTS],
    ["softmax-options.ts", S.SOFTMAX_OPTS],
    ["concatenation-options.ts", S.CONCAT_OPTS],
    ["add-options.ts", S.ELEMENTWISE_OPTS],
    ["mul-options.ts", S.ELEMENTWISE_OPTS],
    ["reshape-options.ts", S.RESHAPE_OPTS],
    ["reducer-options.ts", S.REDUCER_OPTS],
    ["sub-options.ts", S.ELEMENTWISE_OPTS],
    ["squeeze-options.ts", S.SQUEEZE_OPTS],
    ["strided-slice-options.ts", S.STRIDED_SLICE_OPTS],
    ["split-options.ts", S.SPLIT_OPTS],
    ["shape-options.ts", S.SHAPE_OPTS],
    ["pack-options.ts", S.PACK_OPTS],
    ["unpack-options.ts", S.UNPACK_OPTS],
    ["resize-nearest-neighbor-options.ts", S.RESIZE_NN_OPTS],
    ["leaky-relu-options.ts", S.LEAKY_RELU_OPTS],
  ];
  for (const [file, consts] of tables) {
    it(`field ids of ${file.replace(".ts", "")} in schema.ts match flatc's`, () => {
      const ids = flatcIds(file);
      // kept as (deprecated) placeholders in the subset; MulOptions has no pot_scale_int16
      const deprecated = [
        "signature_defs",
        "sparsity",
        ...(file === "mul-options.ts" ? ["pot_scale_int16"] : []),
      ];
      for (const [name, id] of Object.entries(consts)) {
        if (deprecated.includes(name)) continue;
        expect([name, ids[camel(name)]]).toEqual([name, id]);
      }
    });
  }

  it("every op of the IR has TFLite's builtin code (BUILTIN_CODE = flatc's BuiltinOperator enum)", () => {
    for (const t of OP_TYPES) expect([t, S.BUILTIN_CODE[t]]).toEqual([t, BuiltinOperator[t]]);
  });

  it("BUILTIN_OPTIONS union values = flatc's BuiltinOptions enum", () => {
    for (const [name, v] of Object.entries(S.BUILTIN_OPTIONS)) {
      expect([name, v]).toEqual([name, BuiltinOptions[name as keyof typeof BuiltinOptions]]);
    }
  });

  it("BuiltinOperator is TFLite's whole table (generated by gen-builtins.ts, 200+ names, codes unique)", () => {
    const names = Object.keys(BuiltinOperator).filter((k) => Number.isNaN(Number(k)));
    expect(names.length).toBeGreaterThan(200);
    const codes = names.map((n) => BuiltinOperator[n as keyof typeof BuiltinOperator]);
    expect(new Set(codes).size).toBe(codes.length);
    expect(readFileSync(resolve(repoRoot, "toolchain/tflite/schema.fbs"), "utf8")).toContain(BEGIN);
  });
});

/** Decodes a file with the flatc-generated code and checks it field by field against the IR. */
function crossCheck(g: Graph, bytes: Uint8Array): void {
  const bb = new ByteBuffer(bytes);
  expect(Model.bufferHasIdentifier(bb)).toBe(true);
  const m = Model.getRootAsModel(bb);
  expect(m.version()).toBe(3);
  expect(m.description()).toBe(g.description ?? "edgeq");
  expect(m.buffers(0)!.dataLength()).toBe(0);
  expect(m.subgraphsLength()).toBe(1);
  const sg = m.subgraphs(0)!;
  expect(Array.from(sg.inputsArray()!)).toEqual(g.inputs);
  expect(Array.from(sg.outputsArray()!)).toEqual(g.outputs);
  expect(sg.tensorsLength()).toBe(g.tensors.length);
  g.tensors.forEach((t, i) => {
    const ft = sg.tensors(i)!;
    expect(ft.name()).toBe(t.name);
    expect(Array.from(ft.shapeArray() ?? [])).toEqual(t.shape);
    expect(ft.type()).toBe(S.TENSOR_TYPE[t.dtype]);
    const buf = m.buffers(ft.buffer())!;
    if (t.data) {
      const data = buf.dataArray()!;
      expect(data.byteOffset % 16).toBe(0);
      expect(data).toEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    } else expect(ft.buffer()).toBe(0);
    const q = ft.quantization();
    if (t.quant) {
      expect(Array.from(q!.scaleArray()!)).toEqual(t.quant.scale.map(Math.fround));
      const zp = Array.from({ length: q!.zeroPointLength() }, (_, k) => Number(q!.zeroPoint(k)));
      expect(zp).toEqual(t.quant.zeroPoint);
      expect(q!.quantizedDimension()).toBe(t.quant.axis);
    } else expect(q?.scaleLength() ?? 0).toBe(0);
  });
  g.ops.forEach((op, k) => {
    const fo = sg.operators(k)!;
    const code = m.operatorCodes(fo.opcodeIndex())!;
    expect(code.builtinCode()).toBe(S.BUILTIN_CODE[op.type]);
    expect(code.deprecatedBuiltinCode()).toBe(Math.min(S.BUILTIN_CODE[op.type], 127));
    expect(Array.from(fo.inputsArray()!)).toEqual(op.inputs);
    expect(Array.from(fo.outputsArray()!)).toEqual(op.outputs);
  });
}

describe("writer output decoded by flatc-generated code", () => {
  for (const [name, make] of [
    ["float32", floatDsCnn],
    ["int8", int8DsCnn],
  ] as const) {
    it(`ds-cnn dtype=${name} seed=4: tensors, buffers (16-byte aligned), quant, opcodes match the IR`, () => {
      const g = make(4);
      g.metadata = [{ name: "edgeq.labels", data: new TextEncoder().encode('["a","b"]') }];
      const bytes = writeTflite(g);
      crossCheck(g, bytes);
      const m = Model.getRootAsModel(new ByteBuffer(bytes));
      expect(m.metadataLength()).toBe(1);
      expect(m.metadata(0)!.name()).toBe("edgeq.labels");
      expect(new TextDecoder().decode(m.buffers(m.metadata(0)!.buffer())!.dataArray()!)).toBe('["a","b"]');
    });
  }

  it("ds-cnn int8 seed=4: options tables decode to the IR's options (conv, depthwise, pool, fc, concat, mean, softmax)", () => {
    const g = int8DsCnn(4);
    const sg = Model.getRootAsModel(new ByteBuffer(writeTflite(g))).subgraphs(0)!;
    const act = (a: string) => S.ACTIVATION[a as keyof typeof S.ACTIVATION];
    const pad = (p: string) => S.PADDING[p as keyof typeof S.PADDING];
    const seen = new Set<string>();
    g.ops.forEach((op, k) => {
      const fo = sg.operators(k)!;
      seen.add(op.type);
      switch (op.type) {
        case "CONV_2D": {
          const o = fo.builtinOptions(new Conv2DOptions()) as Conv2DOptions;
          const x = op.options;
          expect([o.padding(), o.strideW(), o.strideH(), o.fusedActivationFunction()]).toEqual([
            pad(x.padding),
            x.strideW,
            x.strideH,
            act(x.activation),
          ]);
          expect([o.dilationWFactor(), o.dilationHFactor()]).toEqual([x.dilationW, x.dilationH]);
          break;
        }
        case "DEPTHWISE_CONV_2D": {
          const o = fo.builtinOptions(new DepthwiseConv2DOptions()) as DepthwiseConv2DOptions;
          const x = op.options;
          expect([
            o.padding(),
            o.strideW(),
            o.strideH(),
            o.depthMultiplier(),
            o.fusedActivationFunction(),
          ]).toEqual([pad(x.padding), x.strideW, x.strideH, x.depthMultiplier, act(x.activation)]);
          expect([o.dilationWFactor(), o.dilationHFactor()]).toEqual([x.dilationW, x.dilationH]);
          break;
        }
        case "MAX_POOL_2D":
        case "AVERAGE_POOL_2D": {
          const o = fo.builtinOptions(new Pool2DOptions()) as Pool2DOptions;
          const x = op.options;
          expect([o.padding(), o.strideW(), o.strideH(), o.filterWidth(), o.filterHeight()]).toEqual([
            pad(x.padding),
            x.strideW,
            x.strideH,
            x.filterW,
            x.filterH,
          ]);
          break;
        }
        case "FULLY_CONNECTED": {
          const o = fo.builtinOptions(new FullyConnectedOptions()) as FullyConnectedOptions;
          expect([o.fusedActivationFunction(), o.keepNumDims()]).toEqual([
            act(op.options.activation),
            op.options.keepNumDims,
          ]);
          break;
        }
        case "CONCATENATION": {
          const o = fo.builtinOptions(new ConcatenationOptions()) as ConcatenationOptions;
          expect(o.axis()).toBe(op.options.axis);
          break;
        }
        case "MEAN": {
          const o = fo.builtinOptions(new ReducerOptions()) as ReducerOptions;
          expect(o.keepDims()).toBe(op.options.keepDims);
          break;
        }
        case "SOFTMAX": {
          const o = fo.builtinOptions(new SoftmaxOptions()) as SoftmaxOptions;
          expect(o.beta()).toBe(op.options.beta);
          break;
        }
        case "RESHAPE": {
          const o = fo.builtinOptions(new ReshapeOptions()) as ReshapeOptions;
          expect(Array.from(o.newShapeArray()!)).toEqual(op.options.newShape);
          break;
        }
        case "RELU":
        case "RELU6":
        case "PAD":
        case "QUANTIZE":
        case "DEQUANTIZE":
          expect(fo.builtinOptionsType()).toBe(0);
          break;
        default:
          expect(fo.builtinOptionsType()).toBeGreaterThan(0);
      }
    });
    expect(seen.size).toBe(16);
  });
});
