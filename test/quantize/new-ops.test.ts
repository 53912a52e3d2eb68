/**
 * `edgeq quantize` from a float .tflite holding the ops issue 13 added: the quantization rules
 * (LOGISTIC 1/256 zp -128, TANH 1/128 zp 0, data-moving ops keep their input's params,
 * PACK / MAXIMUM / MINIMUM share one set with their operands, HARD_SWISH / SUB / LEAKY_RELU /
 * PRELU calibrated, SHAPE's int32 arithmetic left int32), and the int8 file runs in native
 * TFLite 2.9 close to the float model.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { importModel } from "../../toolchain/import/index.js";
import type { Graph, OpType } from "../../toolchain/ir/types.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { collect } from "../../toolchain/report/collect.js";
import { floatEngine, simulatedInt8Engine } from "../../toolchain/report/engines.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { GraphBuilder, rng } from "../helpers/models.js";
import { loadNative } from "../oracles/native.js";
import { pixelInputs } from "./helpers.js";

/**
 * input [1,8,8,3] -> CONV 3x3 8 -> HARD_SWISH -> DW 3x3/2 -> LEAKY_RELU 0.1 -> PRELU [1,1,8]
 * -> TRANSPOSE [0,2,1,3] -> SPLIT axis 3 in 2 -> SUB -> MAXIMUM (const [4]) -> MINIMUM (split 1)
 * -> PADV2 1 (value 0.25) -> RESIZE_NEAREST_NEIGHBOR [12,12] -> STRIDED_SLICE strides [1,2,3,1]
 * -> UNPACK axis 3 -> PACK (parts 0 and 2) axis 3 -> SQUEEZE [0] -> EXPAND_DIMS 0
 * -> Flatten as TF's converter writes it (SHAPE, STRIDED_SLICE, PACK with -1, RESHAPE)
 * -> FC 48->3 -> LOGISTIC (output 0) and TANH of the flattened [1,48] (output 1); with
 * `dense` FC 48->3 -> TANH instead (the RESHAPE then feeds only FULLY_CONNECTED ops).
 */
function newOpsModel(seed: number, dense = false): Graph {
  const r = rng(seed);
  const b = new GraphBuilder();
  const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * s);
  const f32 = (name: string, shape: number[], data?: Float32Array) => b.tensor(name, shape, "float32", data);
  const i32 = (name: string, shape: number[], v: number[]) =>
    b.tensor(name, shape, "int32", Int32Array.from(v));
  const x = f32("input", [1, 8, 8, 3]);
  const conv = {
    padding: "SAME",
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    activation: "NONE",
  } as const;
  const c1 = f32("conv", [1, 8, 8, 8]);
  b.op(
    "CONV_2D",
    [x, f32("conv/w", [8, 3, 3, 3], rand(216, 0.5)), f32("conv/b", [8], rand(8, 0.2))],
    [c1],
    conv,
  );
  const hs = f32("hard_swish", [1, 8, 8, 8]);
  b.op("HARD_SWISH", [c1], [hs], {});
  const dw = f32("dw", [1, 4, 4, 8]);
  b.op(
    "DEPTHWISE_CONV_2D",
    [hs, f32("dw/w", [1, 3, 3, 8], rand(72, 0.5)), f32("dw/b", [8], rand(8, 0.2))],
    [dw],
    {
      ...conv,
      strideH: 2,
      strideW: 2,
      depthMultiplier: 1,
    },
  );
  const lr = f32("leaky_relu", [1, 4, 4, 8]);
  b.op("LEAKY_RELU", [dw], [lr], { alpha: Math.fround(0.1) });
  const pr = f32("prelu", [1, 4, 4, 8]);
  b.op("PRELU", [lr, f32("prelu/alpha", [1, 1, 8], rand(8, 0.5))], [pr], {});
  const tr = f32("transpose", [1, 4, 4, 8]);
  b.op("TRANSPOSE", [pr, i32("perm", [4], [0, 2, 1, 3])], [tr], {});
  const s0 = f32("split0", [1, 4, 4, 4]);
  const s1 = f32("split1", [1, 4, 4, 4]);
  b.op("SPLIT", [i32("split/axis", [], [3]), tr], [s0, s1], { numSplits: 2 });
  const sub = f32("sub", [1, 4, 4, 4]);
  b.op("SUB", [s0, s1], [sub], { activation: "NONE" });
  const mx = f32("maximum", [1, 4, 4, 4]);
  b.op("MAXIMUM", [sub, f32("maximum/floor", [4], Float32Array.from([-0.5, -0.25, 0, -1]))], [mx], {});
  const mn = f32("minimum", [1, 4, 4, 4]);
  b.op("MINIMUM", [mx, s1], [mn], {});
  const pd = f32("padv2", [1, 6, 6, 4]);
  b.op(
    "PADV2",
    [
      mn,
      i32("paddings", [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]),
      f32("padv2/value", [], Float32Array.from([0.25])),
    ],
    [pd],
    {},
  );
  const rs = f32("resize", [1, 12, 12, 4]);
  b.op("RESIZE_NEAREST_NEIGHBOR", [pd, i32("resize/size", [2], [12, 12])], [rs], {
    alignCorners: false,
    halfPixelCenters: true,
  });
  const ss = f32("slice", [1, 6, 4, 4]);
  const slice = {
    beginMask: 0,
    endMask: 0,
    ellipsisMask: 0,
    newAxisMask: 0,
    shrinkAxisMask: 0,
    offset: false,
  };
  b.op(
    "STRIDED_SLICE",
    [rs, i32("b", [4], [0, 0, 0, 0]), i32("e", [4], [1, 12, 12, 4]), i32("s", [4], [1, 2, 3, 1])],
    [ss],
    slice,
  );
  const parts = [0, 1, 2, 3].map((k) => f32(`unpack${k}`, [1, 6, 4]));
  b.op("UNPACK", [ss], parts, { num: 4, axis: 3 });
  const pk = f32("pack", [1, 6, 4, 2]);
  b.op("PACK", [parts[0]!, parts[2]!], [pk], { valuesCount: 2, axis: 3 });
  const sq = f32("squeeze", [6, 4, 2]);
  b.op("SQUEEZE", [pk], [sq], { squeezeDims: [0] });
  const ed = f32("expand_dims", [1, 6, 4, 2]);
  b.op("EXPAND_DIMS", [sq, i32("expand/axis", [], [0])], [ed], {});
  const shape = b.tensor("flatten/shape", [4], "int32");
  b.op("SHAPE", [ed], [shape], { outType: "int32" });
  const batch = b.tensor("flatten/batch", [], "int32");
  b.op("STRIDED_SLICE", [shape, i32("fb", [1], [0]), i32("fe", [1], [1]), i32("fs", [1], [1])], [batch], {
    ...slice,
    shrinkAxisMask: 1,
  });
  const target = b.tensor("flatten/target", [2], "int32");
  b.op("PACK", [batch, i32("flatten/-1", [], [-1])], [target], { valuesCount: 2, axis: 0 });
  const flat = f32("flatten", [1, 48]);
  b.op("RESHAPE", [ed, target], [flat], {});
  const heads: number[] = [];
  for (const [name, act] of [
    ["logistic", "LOGISTIC"],
    ["tanh", "TANH"],
  ] as const) {
    if (act === "TANH" && !dense) {
      const y = f32(name, [1, 48]);
      b.op("TANH", [flat], [y], {});
      heads.push(y);
      continue;
    }
    const fc = f32(`${name}/fc`, [1, 3]);
    b.op(
      "FULLY_CONNECTED",
      [flat, f32(`${name}/w`, [3, 48], rand(144, 0.3)), f32(`${name}/b`, [3], rand(3, 0.1))],
      [fc],
      {
        activation: "NONE",
        keepNumDims: false,
      },
    );
    const y = f32(name, [1, 3]);
    b.op(act, [fc], [y], {});
    heads.push(y);
  }
  b.g.inputs = [x];
  b.g.outputs = heads;
  return b.g;
}

describe("quantize a float .tflite with the new ops", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeq-quant-newops-"));
  const path = join(dir, "new_ops_float.tflite");
  writeFileSync(path, writeTflite(newOpsModel(3)));

  it("import drops a RESHAPE that only FULLY_CONNECTED ops read and the SHAPE, STRIDED_SLICE, PACK computing its shape", async () => {
    const p = join(dir, "dense_float.tflite");
    writeFileSync(p, writeTflite(newOpsModel(3, true)));
    const f = await importModel(p);
    const types = f.ops.map((o) => o.type);
    expect(types.length).toBe(21);
    expect(types.filter((t) => t === "SHAPE" || t === "RESHAPE")).toEqual([]);
    expect(types.slice(-4)).toEqual(["FULLY_CONNECTED", "LOGISTIC", "FULLY_CONNECTED", "TANH"]);
  });

  it("float model: all 24 ops, read back from the .tflite, runs in native TFLite 2.9 as in the float executor", async () => {
    const f = await importModel(path);
    expect(f.ops.length).toBe(24);
    const native = loadNative(writeTflite(f));
    for (const x of pixelInputs([8, 8, 3], 3, 5)) {
      const want = native.run([x]);
      runFloat(f, [x]).outputs.forEach((y, k) => {
        for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - want[k]![i]!)).toBeLessThan(1e-5);
      });
    }
  });

  it("int8 model: LOGISTIC/TANH fixed params, moved data keeps params, PACK/MAXIMUM/MINIMUM share, SHAPE chain int32; native TFLite 2.9 within 0.05 of float", async () => {
    const f = await importModel(path);
    const q = quantize(f, pixelInputs([8, 8, 3], 48, 7));
    readTflite(writeTflite(q)); // checkGraph passes on the written file
    const params = (ti: number) => {
      const p = q.tensors[ti]!.quant!;
      return [p.scale[0], p.zeroPoint[0]];
    };
    const op = (t: OpType, k = 0) => q.ops.filter((o) => o.type === t)[k]!;
    expect(params(op("LOGISTIC").outputs[0]!)).toEqual([1 / 256, -128]);
    expect(params(op("TANH").outputs[0]!)).toEqual([1 / 128, 0]);
    for (const t of [
      "TRANSPOSE",
      "PADV2",
      "RESIZE_NEAREST_NEIGHBOR",
      "SQUEEZE",
      "EXPAND_DIMS",
      "RESHAPE",
    ] as const) {
      const o = op(t);
      expect([t, params(o.outputs[0]!)]).toEqual([t, params(o.inputs[0]!)]);
    }
    const slice = op("STRIDED_SLICE");
    expect(params(slice.outputs[0]!)).toEqual(params(slice.inputs[0]!));
    for (const t of ["SPLIT", "UNPACK"] as const) {
      const o = op(t);
      const src = params(o.inputs[t === "SPLIT" ? 1 : 0]!);
      for (const y of o.outputs) expect([t, params(y)]).toEqual([t, src]);
    }
    // PADV2's value is stored with the input's params
    expect(params(op("PADV2").inputs[2]!)).toEqual(params(op("PADV2").inputs[0]!));
    for (const t of ["PACK", "MAXIMUM", "MINIMUM"] as const) {
      const o = q.ops.find((x) => x.type === t && q.tensors[x.outputs[0]!]!.dtype === "int8")!;
      for (const i of o.inputs) expect([t, params(i)]).toEqual([t, params(o.outputs[0]!)]);
    }
    // MINIMUM's second operand is SPLIT's output 1, which keeps SPLIT's input params: it is
    // requantized into MINIMUM's shared params by an int8 -> int8 QUANTIZE, not overwritten
    const minOp = op("MINIMUM");
    const feeder = q.ops.find((o) => o.outputs.includes(minOp.inputs[1]!))!;
    expect([feeder.type, q.tensors[feeder.inputs[0]!]!.name]).toEqual(["QUANTIZE", "split1"]);
    for (const t of ["HARD_SWISH", "SUB", "LEAKY_RELU", "PRELU"] as const) {
      const o = op(t);
      expect([t, params(o.outputs[0]!)]).not.toEqual([t, params(o.inputs[0]!)]);
    }
    // Flatten's shape arithmetic stays int32, unquantized
    const shapeOp = op("SHAPE");
    expect(q.tensors[shapeOp.outputs[0]!]).toMatchObject({ dtype: "int32" });
    expect(q.tensors[shapeOp.outputs[0]!]!.quant).toBeUndefined();
    const flatPack = q.ops.filter((o) => o.type === "PACK")[1]!;
    expect(q.tensors[flatPack.outputs[0]!]!.dtype).toBe("int32");

    const native = loadNative(writeTflite(q));
    const xin = q.tensors[q.inputs[0]!]!.quant!;
    let worst = 0;
    for (const x of pixelInputs([8, 8, 3], 16, 9)) {
      const xi = Int8Array.from(x, (v) =>
        Math.max(-128, Math.min(127, Math.round(v / xin.scale[0]!) + xin.zeroPoint[0]!)),
      );
      const got = native.run([xi]);
      runFloat(f, [x]).outputs.forEach((y, k) => {
        const p = q.tensors[q.outputs[k]!]!.quant!;
        for (let i = 0; i < y.length; i++) {
          worst = Math.max(worst, Math.abs(y[i]! - p.scale[0]! * (got[k]![i]! - p.zeroPoint[0]!)));
        }
      });
    }
    expect(worst).toBeLessThan(0.05);
  });

  it("report (simulated int8 engine) compares every new op layer by layer: matched float tensor, cosine > 0.9", async () => {
    const f = await importModel(path);
    const q = readTflite(writeTflite(quantize(f, pixelInputs([8, 8, 3], 48, 7))));
    const r = collect(floatEngine(f), simulatedInt8Engine(q), { x: pixelInputs([8, 8, 3], 8, 13) });
    const rows = new Map(r.layers.map((l) => [l.op, l]));
    for (const t of [
      "HARD_SWISH",
      "LEAKY_RELU",
      "PRELU",
      "TRANSPOSE",
      "SPLIT",
      "SUB",
      "MAXIMUM",
      "MINIMUM",
      "PADV2",
      "RESIZE_NEAREST_NEIGHBOR",
      "STRIDED_SLICE",
      "UNPACK",
      "PACK",
      "SQUEEZE",
      "EXPAND_DIMS",
      "LOGISTIC",
      "TANH",
    ]) {
      const row = rows.get(t);
      expect([t, row?.matched_by !== "none", (row?.cosine ?? 0) > 0.9]).toEqual([t, true, true]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
