/**
 * The ops issue 13 added (SHAPE, STRIDED_SLICE, PACK, UNPACK, SPLIT, SQUEEZE, EXPAND_DIMS,
 * TRANSPOSE, PADV2, RESIZE_NEAREST_NEIGHBOR, HARD_SWISH, LOGISTIC, TANH, SUB, LEAKY_RELU, PRELU,
 * MAXIMUM, MINIMUM; MEAN's axis / keep_dims cases): one-op models, float32 and int8, written by
 * edgeq, read back to the same IR, decoded by flatc's code, and run by native TFLite 2.9,
 * whose own shape inference must agree with edgeq's shape checks.
 */
import { ByteBuffer } from "flatbuffers";
import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { checkGraph } from "../../toolchain/ir/shapes.js";
import type { Graph, Op } from "../../toolchain/ir/types.js";
import { LeakyReluOptions } from "../../toolchain/tflite/generated/tflite/leaky-relu-options.js";
import { Model } from "../../toolchain/tflite/generated/tflite/model.js";
import { PackOptions } from "../../toolchain/tflite/generated/tflite/pack-options.js";
import { ResizeNearestNeighborOptions } from "../../toolchain/tflite/generated/tflite/resize-nearest-neighbor-options.js";
import { ShapeOptions } from "../../toolchain/tflite/generated/tflite/shape-options.js";
import { SplitOptions } from "../../toolchain/tflite/generated/tflite/split-options.js";
import { SqueezeOptions } from "../../toolchain/tflite/generated/tflite/squeeze-options.js";
import { StridedSliceOptions } from "../../toolchain/tflite/generated/tflite/strided-slice-options.js";
import { SubOptions } from "../../toolchain/tflite/generated/tflite/sub-options.js";
import { UnpackOptions } from "../../toolchain/tflite/generated/tflite/unpack-options.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import * as S from "../../toolchain/tflite/schema.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import { caseInputs, OP_CASES } from "./new-ops.js";

/** Checks the options table flatc's generated code decodes against the IR's options. */
function decodeOptions(op: Op, bytes: Uint8Array): void {
  const m = Model.getRootAsModel(new ByteBuffer(bytes));
  const fo = m.subgraphs(0)!.operators(0)!;
  const code = m.operatorCodes(fo.opcodeIndex())!;
  expect(code.builtinCode()).toBe(S.BUILTIN_CODE[op.type]);
  switch (op.type) {
    case "SHAPE": {
      const o = fo.builtinOptions(new ShapeOptions()) as ShapeOptions;
      expect(o.outType()).toBe(S.TENSOR_TYPE[op.options.outType]);
      break;
    }
    case "STRIDED_SLICE": {
      const o = fo.builtinOptions(new StridedSliceOptions()) as StridedSliceOptions;
      const x = op.options;
      expect([
        o.beginMask(),
        o.endMask(),
        o.ellipsisMask(),
        o.newAxisMask(),
        o.shrinkAxisMask(),
        o.offset(),
      ]).toEqual([x.beginMask, x.endMask, x.ellipsisMask, x.newAxisMask, x.shrinkAxisMask, x.offset]);
      break;
    }
    case "PACK": {
      const o = fo.builtinOptions(new PackOptions()) as PackOptions;
      expect([o.valuesCount(), o.axis()]).toEqual([op.options.valuesCount, op.options.axis]);
      break;
    }
    case "UNPACK": {
      const o = fo.builtinOptions(new UnpackOptions()) as UnpackOptions;
      expect([o.num(), o.axis()]).toEqual([op.options.num, op.options.axis]);
      break;
    }
    case "SPLIT": {
      const o = fo.builtinOptions(new SplitOptions()) as SplitOptions;
      expect(o.numSplits()).toBe(op.options.numSplits);
      break;
    }
    case "SQUEEZE": {
      const o = fo.builtinOptions(new SqueezeOptions()) as SqueezeOptions;
      expect(Array.from(o.squeezeDimsArray() ?? [])).toEqual(op.options.squeezeDims);
      break;
    }
    case "RESIZE_NEAREST_NEIGHBOR": {
      const o = fo.builtinOptions(new ResizeNearestNeighborOptions()) as ResizeNearestNeighborOptions;
      expect([o.alignCorners(), o.halfPixelCenters()]).toEqual([
        op.options.alignCorners,
        op.options.halfPixelCenters,
      ]);
      break;
    }
    case "LEAKY_RELU": {
      const o = fo.builtinOptions(new LeakyReluOptions()) as LeakyReluOptions;
      expect(o.alpha()).toBe(op.options.alpha);
      break;
    }
    case "SUB": {
      const o = fo.builtinOptions(new SubOptions()) as SubOptions;
      expect(o.fusedActivationFunction()).toBe(S.ACTIVATION[op.options.activation]);
      expect(o.potScaleInt16()).toBe(true);
      break;
    }
    case "MEAN":
      expect(fo.builtinOptionsType()).toBe(S.BUILTIN_OPTIONS.ReducerOptions);
      break;
    default:
      // ops whose options tables are empty in TFLite's schema are written without one
      expect(fo.builtinOptionsType()).toBe(0);
  }
}

describe("new ops: write -> read -> same IR, options decoded by flatc's code", () => {
  for (const c of OP_CASES) {
    for (const dtype of ["float32", "int8"] as const) {
      it(`${c.name} dtype=${dtype}`, () => {
        const g = c.build(dtype);
        checkGraph(g);
        const bytes = writeTflite(g);
        const back = readTflite(bytes, { source: c.name });
        expect(back).toEqual(g);
        expect(writeTflite(back)).toEqual(bytes);
        decodeOptions(g.ops[0]!, bytes);
      });
    }
  }
});

describe("new ops run in native TFLite 2.9; its shape inference agrees with edgeq's checks", () => {
  for (const c of OP_CASES) {
    for (const dtype of ["float32", "int8"] as const) {
      it(`${c.name} dtype=${dtype}: loads, invokes, output shapes and dtypes as in the IR`, () => {
        const g = c.build(dtype);
        const native = loadNative(writeTflite(g));
        const outs = native.run(caseInputs(g, 5));
        expect(native.outputs.map((o) => o.shape)).toEqual(g.outputs.map((i) => g.tensors[i]!.shape));
        expect(outs.map((o) => o.length)).toEqual(
          g.outputs.map((i) => g.tensors[i]!.shape.reduce((a, d) => a * d, 1)),
        );
        expect(native.outputs.map((o) => o.dtype)).toEqual(g.outputs.map((i) => g.tensors[i]!.dtype));
        if (c.op === "SHAPE") expect(Array.from(outs[0]!)).toEqual(g.tensors[g.inputs[0]!]!.shape);
      });
    }
  }
});

/** The EdgeqError checkGraph throws for a graph. */
function shapeError(g: Graph): EdgeqError {
  try {
    checkGraph(g);
  } catch (e) {
    if (e instanceof EdgeqError) return e;
    throw e;
  }
  throw new Error("checkGraph accepted the graph");
}

const byName = (prefix: string) => OP_CASES.find((c) => c.name.startsWith(prefix))!;

describe("shape checks of the new ops name the op, what was expected and what was found", () => {
  const cases: [string, string, (g: Graph) => void, RegExp][] = [
    [
      "TRANSPOSE [1,2,3,4]",
      "perm with 3 entries",
      (g) => {
        g.tensors[1] = { name: "perm", shape: [3], dtype: "int32", data: Int32Array.from([0, 2, 1]) };
      },
      /op 0 TRANSPOSE: perm \[0,2,1\] must be a permutation of 0\.\.3 \(input rank 4\)/,
    ],
    [
      "TRANSPOSE [1,2,3,4]",
      "wrong output shape",
      (g) => {
        g.tensors[2]!.shape = [1, 2, 3, 4];
      },
      /op 0 TRANSPOSE: output must have shape \[1,4,2,3\], got \[1,2,3,4\]/,
    ],
    [
      "STRIDED_SLICE in=[1,6,5,3]",
      "output [1,6,5,3]",
      (g) => {
        g.tensors[4]!.shape = [1, 6, 5, 3];
      },
      /op 0 STRIDED_SLICE: output must have shape \[1,3,5,3\], got \[1,6,5,3\]/,
    ],
    [
      "STRIDED_SLICE in=[1,6,5,3]",
      "stride 0",
      (g) => {
        g.tensors[3]!.data = Int32Array.from([1, 0, 1, 1]);
      },
      /op 0 STRIDED_SLICE: stride 1 is 0 \(must be non-zero\)/,
    ],
    [
      "STRIDED_SLICE in=[1,6,5,3]",
      "ellipsis mask",
      (g) => {
        (g.ops[0]!.options as { ellipsisMask: number }).ellipsisMask = 2;
      },
      /op 0 STRIDED_SLICE: ellipsisMask 2 .* not supported/,
    ],
    [
      "PACK 2 x [2,3]",
      "values_count 3",
      (g) => {
        (g.ops[0]!.options as { valuesCount: number }).valuesCount = 3;
      },
      /op 0 PACK: valuesCount 3 != number of inputs 2/,
    ],
    [
      "UNPACK [2,3,4]",
      "num 4",
      (g) => {
        (g.ops[0]!.options as { num: number }).num = 4;
      },
      /op 0 UNPACK: num 4 != input \[2,3,4\] size 3 along axis 1/,
    ],
    [
      "SPLIT [1,4,4,6]",
      "4 splits",
      (g) => {
        (g.ops[0]!.options as { numSplits: number }).numSplits = 4;
      },
      /op 0 SPLIT: .*expects 4 output|does not split into 4/,
    ],
    [
      "SQUEEZE [1,4,1,3] squeeze_dims=[2]",
      "squeeze a size-4 axis",
      (g) => {
        (g.ops[0]!.options as { squeezeDims: number[] }).squeezeDims = [1];
      },
      /op 0 SQUEEZE: squeeze dim 1 of input \[1,4,1,3\] has size 4, not 1/,
    ],
    [
      "EXPAND_DIMS [4,3]",
      "axis 3",
      (g) => {
        g.tensors[1]!.data = Int32Array.from([3]);
      },
      /op 0 EXPAND_DIMS: axis 3 is out of range for inserting into rank 2 \(needs -3\.\.2\)/,
    ],
    [
      "RESIZE_NEAREST_NEIGHBOR [1,3,4,2] size=[6,8]",
      "size [6]",
      (g) => {
        g.tensors[1] = { name: "size", shape: [1], dtype: "int32", data: Int32Array.from([6]) };
      },
      /op 0 RESIZE_NEAREST_NEIGHBOR: size \[1\] must hold 2 positive values/,
    ],
    [
      "PADV2",
      "negative padding",
      (g) => {
        g.tensors[1]!.data = Int32Array.from([0, 0, -1, 1, 2, 0, 0, 0]);
      },
      /op 0 PADV2: paddings must be >= 0/,
    ],
    [
      "PRELU",
      "alpha [1,1,4]",
      (g) => {
        g.tensors[1] = { ...g.tensors[1]!, shape: [1, 1, 4], data: new Float32Array(4) };
      },
      /op 0 PRELU: alpha \[1,1,4\] does not broadcast against input \[1,4,4,3\]/,
    ],
    [
      "SUB [1,4,4,3] - [1,1,1,3]",
      "input 1 [1,1,1,2]",
      (g) => {
        g.tensors[1]!.shape = [1, 1, 1, 2];
      },
      /op 0 SUB: inputs \[1,4,4,3\] and \[1,1,1,2\] do not broadcast/,
    ],
    [
      "SHAPE",
      "output int8",
      (g) => {
        g.tensors[1]!.dtype = "int64";
      },
      /op 0 SHAPE: output must have dtype int32, got int64/,
    ],
    [
      "LOGISTIC",
      "output [1,4,4,2]",
      (g) => {
        g.tensors[1]!.shape = [1, 4, 4, 2];
      },
      /op 0 LOGISTIC: output must have shape \[1,4,4,3\], got \[1,4,4,2\]/,
    ],
  ];
  for (const [prefix, what, mutate, msg] of cases) {
    const c = byName(prefix);
    it(`${c.op} with ${what} -> EdgeqError shape/${c.op.toLowerCase()}`, () => {
      const g = c.build("float32");
      mutate(g);
      const e = shapeError(g);
      expect(e.code).toBe(`shape/${c.op.toLowerCase()}`);
      expect(e.message).toMatch(msg);
    });
  }
});
