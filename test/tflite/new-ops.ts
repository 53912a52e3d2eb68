/**
 * One-op test models for the ops issue 13 added to the IR (SHAPE ... MINIMUM, and MEAN's axis /
 * keep_dims cases), each as float32 and as int8 with per-tensor quantization, with seeded
 * random constants. Used by the writer / native TFLite 2.9 tests, the float executor tests
 * and the quantizer tests.
 */
import type { DType, Graph, OpType, OptionsOf, QuantParams } from "../../toolchain/ir/types.js";
import { GraphBuilder, rng } from "../helpers/models.js";

export interface OpCase {
  /** `TRANSPOSE perm=[0,3,1,2]`: the op and its parameters. */
  name: string;
  op: OpType;
  build(dtype: "float32" | "int8"): Graph;
}

const q = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zeroPoint],
  axis: 0,
});

/** Default activation quantization of the int8 models (real range about [-6.5, 6.2]). */
const ACT = q(0.05, 3);

interface Spec<T extends OpType> {
  name: string;
  op: T;
  inputs: number[][];
  /** Constant operands after the activation inputs: [shape, int32 values]. */
  consts?: [number[], number[]][];
  /** Float constant operand (PRELU alpha, PADV2 value): shape and values. */
  floatConst?: [number[], number[]];
  outputs: number[][];
  outDtype?: DType;
  /** int8 output quantization when it differs from the input's (LOGISTIC, TANH). */
  outQuant?: QuantParams;
  options: OptionsOf<T>;
  /** SPLIT takes its axis first. */
  constsFirst?: boolean;
}

function make<T extends OpType>(s: Spec<T>): OpCase {
  return {
    name: s.name,
    op: s.op,
    build(dtype) {
      const b = new GraphBuilder();
      const quant = dtype === "int8" ? ACT : undefined;
      const ins = s.inputs.map((shape, k) => b.tensor(`input${k}`, shape, dtype, undefined, quant));
      const consts = (s.consts ?? []).map(([shape, v], k) =>
        b.tensor(`const${k}`, shape, "int32", Int32Array.from(v)),
      );
      let fc: number[] = [];
      if (s.floatConst) {
        const [shape, v] = s.floatConst;
        if (dtype === "int8") {
          const cq = s.op === "PADV2" ? ACT : q(0.01, 0);
          const data = Int8Array.from(v, (x) => Math.round(x / cq.scale[0]!) + cq.zeroPoint[0]!);
          fc = [b.tensor("value", shape, "int8", data, cq)];
        } else fc = [b.tensor("value", shape, "float32", Float32Array.from(v))];
      }
      const outs = s.outputs.map((shape, k) => {
        const od = s.outDtype ?? dtype;
        const oq = od === "int8" ? (s.outQuant ?? ACT) : undefined;
        return b.tensor(`output${k}`, shape, od, undefined, oq);
      });
      const inputs = s.constsFirst ? [...consts, ...ins, ...fc] : [...ins, ...consts, ...fc];
      b.op(s.op, inputs, outs, s.options);
      b.g.inputs = ins;
      b.g.outputs = outs;
      b.g.description = `edgeq test: ${s.name} ${dtype}`;
      return b.g;
    },
  };
}

const NOOPT = {};
const slice = (o: Partial<OptionsOf<"STRIDED_SLICE">>): OptionsOf<"STRIDED_SLICE"> => ({
  beginMask: 0,
  endMask: 0,
  ellipsisMask: 0,
  newAxisMask: 0,
  shrinkAxisMask: 0,
  offset: false,
  ...o,
});

/** Every new op, with its option variants (names spell the parameters). */
export const OP_CASES: OpCase[] = [
  make({
    name: "SHAPE in=[1,3,4,2] out_type=int32",
    op: "SHAPE",
    inputs: [[1, 3, 4, 2]],
    outputs: [[4]],
    outDtype: "int32",
    options: { outType: "int32" },
  }),
  make({
    name: "STRIDED_SLICE in=[1,6,5,3] begin=[0,1,0,0] end=[1,6,5,3] strides=[1,2,1,1]",
    op: "STRIDED_SLICE",
    inputs: [[1, 6, 5, 3]],
    consts: [
      [[4], [0, 1, 0, 0]],
      [[4], [1, 6, 5, 3]],
      [[4], [1, 2, 1, 1]],
    ],
    outputs: [[1, 3, 5, 3]],
    options: slice({}),
  }),
  make({
    name: "STRIDED_SLICE in=[2,6,5] begin=[1,-1,0] end=[0,0,4] strides=[1,-2,2] begin_mask=4 end_mask=1 shrink_axis_mask=1",
    op: "STRIDED_SLICE",
    inputs: [[2, 6, 5]],
    consts: [
      [[3], [1, -1, 0]],
      [[3], [0, 0, 4]],
      [[3], [1, -2, 2]],
    ],
    outputs: [[3, 2]],
    options: slice({ beginMask: 4, endMask: 1, shrinkAxisMask: 1 }),
  }),
  make({
    name: "STRIDED_SLICE in=[1,4,4,8] begin=[0,0,0,2] end=[1,4,4,7] strides=[1,1,3,2] shrink_axis_mask=1",
    op: "STRIDED_SLICE",
    inputs: [[1, 4, 4, 8]],
    consts: [
      [[4], [0, 0, 0, 2]],
      [[4], [1, 4, 4, 7]],
      [[4], [1, 1, 3, 2]],
    ],
    outputs: [[4, 2, 3]],
    options: slice({ shrinkAxisMask: 1 }),
  }),
  make({
    name: "PACK 2 x [2,3] axis=1",
    op: "PACK",
    inputs: [
      [2, 3],
      [2, 3],
    ],
    outputs: [[2, 2, 3]],
    options: { valuesCount: 2, axis: 1 },
  }),
  make({
    name: "PACK 3 x [4] axis=-1",
    op: "PACK",
    inputs: [[4], [4], [4]],
    outputs: [[4, 3]],
    options: { valuesCount: 3, axis: -1 },
  }),
  make({
    name: "UNPACK [2,3,4] axis=1 num=3",
    op: "UNPACK",
    inputs: [[2, 3, 4]],
    outputs: [
      [2, 4],
      [2, 4],
      [2, 4],
    ],
    options: { num: 3, axis: 1 },
  }),
  make({
    name: "SPLIT [1,4,4,6] axis=3 num_splits=3",
    op: "SPLIT",
    inputs: [[1, 4, 4, 6]],
    consts: [[[], [3]]],
    constsFirst: true,
    outputs: [
      [1, 4, 4, 2],
      [1, 4, 4, 2],
      [1, 4, 4, 2],
    ],
    options: { numSplits: 3 },
  }),
  make({
    name: "SPLIT [1,6,2,2] axis=-3 num_splits=2",
    op: "SPLIT",
    inputs: [[1, 6, 2, 2]],
    consts: [[[], [-3]]],
    constsFirst: true,
    outputs: [
      [1, 3, 2, 2],
      [1, 3, 2, 2],
    ],
    options: { numSplits: 2 },
  }),
  make({
    name: "SQUEEZE [1,4,1,3] squeeze_dims=[2]",
    op: "SQUEEZE",
    inputs: [[1, 4, 1, 3]],
    outputs: [[1, 4, 3]],
    options: { squeezeDims: [2] },
  }),
  make({
    name: "SQUEEZE [1,4,1,3] squeeze_dims=[] (all)",
    op: "SQUEEZE",
    inputs: [[1, 4, 1, 3]],
    outputs: [[4, 3]],
    options: { squeezeDims: [] },
  }),
  make({
    name: "EXPAND_DIMS [4,3] axis=-1",
    op: "EXPAND_DIMS",
    inputs: [[4, 3]],
    consts: [[[], [-1]]],
    outputs: [[4, 3, 1]],
    options: NOOPT,
  }),
  make({
    name: "EXPAND_DIMS [2,5] axis=0",
    op: "EXPAND_DIMS",
    inputs: [[2, 5]],
    consts: [[[1], [0]]],
    outputs: [[1, 2, 5]],
    options: NOOPT,
  }),
  make({
    name: "TRANSPOSE [1,2,3,4] perm=[0,3,1,2]",
    op: "TRANSPOSE",
    inputs: [[1, 2, 3, 4]],
    consts: [[[4], [0, 3, 1, 2]]],
    outputs: [[1, 4, 2, 3]],
    options: NOOPT,
  }),
  make({
    name: "TRANSPOSE [3,5] perm=[1,0]",
    op: "TRANSPOSE",
    inputs: [[3, 5]],
    consts: [[[2], [1, 0]]],
    outputs: [[5, 3]],
    options: NOOPT,
  }),
  make({
    name: "PADV2 [1,3,3,2] paddings=[[0,0],[1,1],[2,0],[0,0]] value=0.5",
    op: "PADV2",
    inputs: [[1, 3, 3, 2]],
    consts: [
      [
        [4, 2],
        [0, 0, 1, 1, 2, 0, 0, 0],
      ],
    ],
    floatConst: [[], [0.5]],
    outputs: [[1, 5, 5, 2]],
    options: NOOPT,
  }),
  make({
    name: "RESIZE_NEAREST_NEIGHBOR [1,3,4,2] size=[6,8]",
    op: "RESIZE_NEAREST_NEIGHBOR",
    inputs: [[1, 3, 4, 2]],
    consts: [[[2], [6, 8]]],
    outputs: [[1, 6, 8, 2]],
    options: { alignCorners: false, halfPixelCenters: false },
  }),
  make({
    name: "RESIZE_NEAREST_NEIGHBOR [1,3,4,2] size=[5,7] half_pixel_centers",
    op: "RESIZE_NEAREST_NEIGHBOR",
    inputs: [[1, 3, 4, 2]],
    consts: [[[2], [5, 7]]],
    outputs: [[1, 5, 7, 2]],
    options: { alignCorners: false, halfPixelCenters: true },
  }),
  make({
    name: "RESIZE_NEAREST_NEIGHBOR [1,3,4,2] size=[5,7] align_corners",
    op: "RESIZE_NEAREST_NEIGHBOR",
    inputs: [[1, 3, 4, 2]],
    consts: [[[2], [5, 7]]],
    outputs: [[1, 5, 7, 2]],
    options: { alignCorners: true, halfPixelCenters: false },
  }),
  make({
    name: "HARD_SWISH [1,4,4,3]",
    op: "HARD_SWISH",
    inputs: [[1, 4, 4, 3]],
    outputs: [[1, 4, 4, 3]],
    options: NOOPT,
  }),
  make({
    name: "LOGISTIC [1,4,4,3] out=(1/256,-128)",
    op: "LOGISTIC",
    inputs: [[1, 4, 4, 3]],
    outputs: [[1, 4, 4, 3]],
    outQuant: q(1 / 256, -128),
    options: NOOPT,
  }),
  make({
    name: "TANH [1,4,4,3] out=(1/128,0)",
    op: "TANH",
    inputs: [[1, 4, 4, 3]],
    outputs: [[1, 4, 4, 3]],
    outQuant: q(1 / 128, 0),
    options: NOOPT,
  }),
  make({
    name: "SUB [1,4,4,3] - [1,4,4,3] NONE",
    op: "SUB",
    inputs: [
      [1, 4, 4, 3],
      [1, 4, 4, 3],
    ],
    outputs: [[1, 4, 4, 3]],
    options: { activation: "NONE" },
  }),
  make({
    name: "SUB [1,4,4,3] - [1,1,1,3] RELU6",
    op: "SUB",
    inputs: [
      [1, 4, 4, 3],
      [1, 1, 1, 3],
    ],
    outputs: [[1, 4, 4, 3]],
    options: { activation: "RELU6" },
  }),
  make({
    name: "LEAKY_RELU [1,4,4,3] alpha=0.2",
    op: "LEAKY_RELU",
    inputs: [[1, 4, 4, 3]],
    outputs: [[1, 4, 4, 3]],
    options: { alpha: Math.fround(0.2) },
  }),
  make({
    name: "PRELU [1,4,4,3] alpha=[1,1,3]",
    op: "PRELU",
    inputs: [[1, 4, 4, 3]],
    floatConst: [
      [1, 1, 3],
      [0.25, -0.5, 0.75],
    ],
    outputs: [[1, 4, 4, 3]],
    options: NOOPT,
  }),
  make({
    name: "MAXIMUM [1,4,4,3] [1,4,4,3]",
    op: "MAXIMUM",
    inputs: [
      [1, 4, 4, 3],
      [1, 4, 4, 3],
    ],
    outputs: [[1, 4, 4, 3]],
    options: NOOPT,
  }),
  make({
    name: "MINIMUM [1,4,4,3] [1,1,1,3]",
    op: "MINIMUM",
    inputs: [
      [1, 4, 4, 3],
      [1, 1, 1, 3],
    ],
    outputs: [[1, 4, 4, 3]],
    options: NOOPT,
  }),
  make({
    name: "MEAN [1,5,5,4] axes=[1] keep_dims=false",
    op: "MEAN",
    inputs: [[1, 5, 5, 4]],
    consts: [[[1], [1]]],
    outputs: [[1, 5, 4]],
    options: { keepDims: false },
  }),
  make({
    name: "MEAN [1,5,5,4] axes=[3] keep_dims=true",
    op: "MEAN",
    inputs: [[1, 5, 5, 4]],
    consts: [[[1], [3]]],
    outputs: [[1, 5, 5, 1]],
    options: { keepDims: true },
  }),
  make({
    name: "MEAN [1,5,5,4] axes=[1,2] keep_dims=false",
    op: "MEAN",
    inputs: [[1, 5, 5, 4]],
    consts: [[[2], [1, 2]]],
    outputs: [[1, 4]],
    options: { keepDims: false },
  }),
  make({
    name: "MEAN [1,5,5,4] axes=[-1,1] keep_dims=true",
    op: "MEAN",
    inputs: [[1, 5, 5, 4]],
    consts: [[[2], [-1, 1]]],
    outputs: [[1, 1, 5, 1]],
    options: { keepDims: true },
  }),
];

/** Deterministic inputs for a case: int8 values, or floats in about [-4, 4]. */
export function caseInputs(g: Graph, seed: number): (Int8Array | Float32Array)[] {
  const r = rng(seed);
  return g.inputs.map((i) => {
    const t = g.tensors[i]!;
    const n = t.shape.reduce((a, d) => a * d, 1);
    return t.dtype === "int8"
      ? Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128)
      : Float32Array.from({ length: n }, () => (r() - 0.5) * 8);
  });
}
