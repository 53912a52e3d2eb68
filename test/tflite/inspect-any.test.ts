/**
 * `edgeq inspect` shows any valid .tflite (issue 13 item 5): ops outside edgeq's IR are named
 * from TFLite's whole builtin table, every op the runtime cannot run is marked "not supported
 * by the runtime", and the command exits 0.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ByteBuffer } from "flatbuffers";
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import { KERNELS } from "../../runtime-int8/src/kernels/index.js";
import { EdgeqError } from "../../toolchain/errors.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { Model } from "../../toolchain/tflite/generated/tflite/model.js";
import { inspectModel, NOT_SUPPORTED, renderInspect } from "../../toolchain/tflite/inspect.js";
import { builtinName, builtinTable } from "../../toolchain/tflite/op-names.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { runtimeCodes, runtimeRefusals, runtimeSupports } from "../../toolchain/tflite/runtime-ops.js";
import { BUILTIN_CODE, OPERATOR_CODE, TENSOR } from "../../toolchain/tflite/schema.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { floatDsCnn, GraphBuilder } from "../helpers/models.js";
import { refDir, repoRoot } from "../helpers/refmodels.js";
import { loadNative } from "../oracles/native.js";
import { OP_CASES } from "./new-ops.js";

/** float [1,4] -> RELU -> RELU6 -> TANH, each op with its own OperatorCode table. */
function chain(): Graph {
  const b = new GraphBuilder();
  const t = [0, 1, 2, 3].map((k) => b.tensor(`t${k}`, [1, 4], "float32"));
  b.op("RELU", [t[0]!], [t[1]!], {});
  b.op("RELU6", [t[1]!], [t[2]!], {});
  b.op("TANH", [t[2]!], [t[3]!], {});
  b.g.inputs = [t[0]!];
  b.g.outputs = [t[3]!];
  return b.g;
}

/** Rewrites the builtin code of every OperatorCode whose code is `from` (both code fields). */
function patchCode(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  const m = Model.getRootAsModel(new ByteBuffer(out));
  let hits = 0;
  for (let i = 0; i < m.operatorCodesLength(); i++) {
    const oc = m.operatorCodes(i)!;
    if (oc.builtinCode() !== from) continue;
    const field = (id: number) => oc.bb!.__offset(oc.bb_pos, 4 + 2 * id);
    dv.setInt32(oc.bb_pos + field(OPERATOR_CODE.builtin_code), to, true);
    dv.setInt8(oc.bb_pos + field(OPERATOR_CODE.deprecated_builtin_code), Math.min(to, 127));
    hits++;
  }
  expect(hits).toBe(1);
  return out;
}

const CONVERTER = [
  "seed_cifar_sepconv",
  "seed_mobile_block",
  "gap_wide",
  "gap_dense",
  "inverted_residual",
  "mobilenetv3_bits",
  "transpose_concat",
  "mean_axes",
];

const EXP = 47;
const SQRT = 75;
const GELU = 150;

/** RELU -> EXP, RELU6 -> SQRT: ops edgeq's IR does not hold (native TFLite 2.9 runs them). */
const expSqrtModel = () =>
  patchCode(patchCode(writeTflite(chain()), BUILTIN_CODE.RELU, EXP), BUILTIN_CODE.RELU6, SQRT);

describe("edgeq inspect on a model with ops edgeq cannot run", () => {
  it("TFLite's builtin table comes from the schema: EXP = 47, SQRT = 75, GELU = 150, > 200 names", () => {
    expect([builtinName(EXP), builtinName(SQRT), builtinName(GELU), builtinName(3)]).toEqual([
      "EXP",
      "SQRT",
      "GELU",
      "CONV_2D",
    ]);
    expect(builtinTable().length).toBeGreaterThan(200);
  });

  it("EXP, SQRT, TANH model is valid for native TFLite 2.9 (it computes tanh(sqrt(exp(x))))", () => {
    const native = loadNative(expSqrtModel());
    const x = Float32Array.from([-1, 0, 0.5, 2]);
    const y = native.run([x])[0]!;
    const want = Array.from(x, (v) => Math.tanh(Math.sqrt(Math.exp(v))));
    for (let i = 0; i < 4; i++) expect(y[i]).toBeCloseTo(want[i]!, 5);
  });

  it("inspectModel: ops named EXP, SQRT, TANH in file order; EXP and SQRT foreign; runtime marks from runtime-ops", () => {
    const r = inspectModel(expSqrtModel(), "exp.tflite");
    expect(r.ops.map((o) => [o.index, o.op, o.runtime, o.foreign !== undefined])).toEqual([
      [0, "EXP", false, true],
      [1, "SQRT", false, true],
      // float32: the int8 runtime runs no float TANH, kernel or not
      [2, "TANH", false, false],
    ]);
    expect(r.unsupported).toEqual(["EXP", "SQRT", "TANH"]);
    const text = renderInspect(r);
    expect(text).toMatch(new RegExp(`0 +EXP .*${NOT_SUPPORTED}`));
    expect(text).toMatch(new RegExp(`1 +SQRT .*${NOT_SUPPORTED}`));
    expect(text).toMatch(/not supported by the runtime: EXP, SQRT/);
  });

  it("a code past 127 (GELU = 150, deprecated_builtin_code 127) is named too", () => {
    const r = inspectModel(patchCode(writeTflite(chain()), BUILTIN_CODE.RELU, GELU));
    expect(r.ops.map((o) => o.op)).toEqual(["GELU", "RELU6", "TANH"]);
    expect(r.ops[0]!.runtime).toBe(false);
  });

  it("readTflite without foreignOps still refuses it, naming the op: 'op 0 is EXP (builtin op code 47)'", () => {
    let err: unknown;
    try {
      readTflite(expSqrtModel(), { source: "exp.tflite" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgeqError);
    expect((err as EdgeqError).code).toBe("tflite/unsupported-op");
    expect((err as EdgeqError).message).toMatch(/exp\.tflite: op 0 is EXP \(builtin op code 47\)/);
  });

  it("CLI: `edgeq inspect exp.tflite` exits 0 and names EXP and SQRT as not supported by the runtime", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeq-inspect-any-"));
    const file = join(dir, "exp.tflite");
    writeFileSync(file, expSqrtModel());
    const p = spawnSync(process.execPath, [resolve(repoRoot, "bin/edgeq.js"), "inspect", file], {
      encoding: "utf8",
    });
    rmSync(dir, { recursive: true, force: true });
    expect(p.stderr).toBe("");
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/EXP .*not supported by the runtime/);
    expect(p.stdout).toMatch(/SQRT .*not supported by the runtime/);
  });
});

/** Sets tensor k's type byte (the field must be stored: any type but FLOAT32). */
function patchTensorType(bytes: Uint8Array, k: number, type: number): Uint8Array {
  const out = bytes.slice();
  const t = Model.getRootAsModel(new ByteBuffer(out)).subgraphs(0)!.tensors(k)!;
  const off = t.bb!.__offset(t.bb_pos, 4 + 2 * TENSOR.type);
  expect(off).toBeGreaterThan(0);
  new DataView(out.buffer).setInt8(t.bb_pos + off, type);
  return out;
}

/**
 * A float16 model as TF's converter writes one: FLOAT16 constant [4] -> DEQUANTIZE -> float32,
 * ADD to the input. Written as an int16 constant (same bytes: the float16 bit patterns of
 * 1, 2, -0.5, 0.25), whose type byte is then set to FLOAT16.
 */
function float16Model(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.tensor("x", [1, 4], "float32");
  const h = b.tensor("w16", [4], "int16", Int16Array.from([0x3c00, 0x4000, -0x4800, 0x3400]));
  const w = b.tensor("w", [4], "float32");
  const y = b.tensor("y", [1, 4], "float32");
  b.op("DEQUANTIZE", [h], [w], {});
  b.op("ADD", [x, w], [y], { activation: "NONE" });
  b.g.inputs = [x];
  b.g.outputs = [y];
  return patchTensorType(writeTflite(b.g), h, 1);
}

describe("edgeq inspect on tensors edgeq's IR cannot hold", () => {
  it("float16 model is valid for native TFLite 2.9 (y = x + [1, 2, -0.5, 0.25])", () => {
    const y = loadNative(float16Model()).run([Float32Array.from([0, 1, 2, 3])])[0]!;
    expect(Array.from(y)).toEqual([1, 3, 1.5, 3.25]);
  });

  it("float16 model: tensor shown as float16 with its 8 bytes, DEQUANTIZE foreign and not supported, ADD as usual", () => {
    const r = inspectModel(float16Model(), "f16.tflite");
    expect(r.tensors[1]).toMatchObject({ name: "w16", dtype: "float16", constant: true, bytes: 8 });
    expect(r.ops.map((o) => [o.op, o.runtime, o.foreign !== undefined])).toEqual([
      ["DEQUANTIZE", false, true],
      ["ADD", false, false],
    ]);
    expect(r.ops[0]!.foreign).toMatch(/tensor 1 has element type FLOAT16/);
    expect(r.totals.weightBytes).toBe(8);
    expect(renderInspect(r)).toMatch(/DEQUANTIZE .*float16\[4\].*not supported by the runtime/);
    // ADD has a kernel, but the runtime runs int8 only
    expect(r.ops[1]!.runtimeNote).toBe("float32 input 0");
    expect(renderInspect(r)).toMatch(/ADD .*not supported by the runtime \(float32 input 0\)/);
  });

  it("uint8 CONV_2D (old quantized models; valid in native TFLite 2.9) is shown as a foreign op, the model as usual", () => {
    const b = new GraphBuilder();
    const q = (scale: number, zeroPoint: number) => ({
      scale: [Math.fround(scale)],
      zeroPoint: [zeroPoint],
      axis: 0,
    });
    const x = b.tensor("x", [1, 4, 4, 1], "uint8", undefined, q(0.05, 128));
    const w = b.tensor(
      "w",
      [2, 3, 3, 1],
      "uint8",
      Uint8Array.from({ length: 18 }, (_, i) => (i * 37) % 256),
      q(0.02, 128),
    );
    const bias = b.tensor("b", [2], "int32", Int32Array.from([100, -50]));
    const y = b.tensor("y", [1, 4, 4, 2], "uint8", undefined, q(0.1, 128));
    b.op("CONV_2D", [x, w, bias], [y], {
      padding: "SAME",
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      activation: "NONE",
    });
    b.g.inputs = [x];
    b.g.outputs = [y];
    const bytes = writeTflite(b.g);
    expect(loadNative(bytes).run([new Uint8Array(16).fill(140)])[0]!.length).toBe(32);
    const r = inspectModel(bytes, "u8.tflite");
    expect(r.ops[0]).toMatchObject({ index: 0, op: "CONV_2D", runtime: false, options: null });
    expect(r.ops[0]!.foreign).toMatch(/input dtype uint8 is not supported/);
    expect(r.tensors.map((t) => t.dtype)).toEqual(["uint8", "uint8", "int32", "uint8"]);
  });

  it("STRIDED_SLICE with ellipsis_mask (valid TFLite, not TFLite Micro's) is shown as a foreign op", () => {
    const c = OP_CASES.find((k) => k.op === "STRIDED_SLICE")!;
    const g = c.build("int8");
    (g.ops[0]!.options as { ellipsisMask: number }).ellipsisMask = 2;
    const r = inspectModel(writeTflite(g));
    expect(r.ops[0]).toMatchObject({ op: "STRIDED_SLICE", runtime: false });
    expect(r.ops[0]!.foreign).toMatch(/ellipsis_mask 2/);
  });
});

describe("runtime-ops.ts (the toolchain's one list of runtime kernels)", () => {
  it("is the runtime's kernel list: every kernel's code, each named as in TFLite's table", () => {
    expect(runtimeCodes()).toEqual(KERNELS.map((k) => k.code));
    for (const k of KERNELS) expect([k.code, builtinName(k.code)]).toEqual([k.code, k.name]);
    expect(runtimeSupports(BUILTIN_CODE.CONV_2D)).toBe(true);
    expect(runtimeSupports(EXP)).toBe(false);
  });

  const cases: [string, () => Uint8Array][] = [
    ...CONVERTER.map((n): [string, () => Uint8Array] => [
      `converter model ${n}`,
      () => new Uint8Array(readFileSync(resolve(refDir, `converter/${n}.tflite`))),
    ]),
    ["EXP, SQRT, TANH float model", expSqrtModel],
    ["float16 model", float16Model],
    ["float ds-cnn", () => writeTflite(floatDsCnn(2))],
  ];
  for (const [name, make] of cases) {
    it(`${name}: inspect's 'not supported by the runtime' agrees with the runtime's loader`, () => {
      const bytes = make();
      const r = inspectModel(bytes);
      let error = "";
      try {
        load(bytes);
      } catch (e) {
        error = (e as Error).message;
      }
      expect([r.unsupported.length === 0, error]).toEqual([error === "", error]);
      // a refusal names the op the runtime stopped at ("edgeqrt: op 3 ...")
      const k = /op (\d+)/.exec(error)?.[1];
      if (k !== undefined) expect(r.ops[Number(k)]!.runtime).toBe(false);
    });
  }

  it("QUANTIZE's kernel accepts its float32 input (the runtime's own rule), DEQUANTIZE its float32 output", () => {
    const g = readTflite(writeTflite(floatDsCnn(1)));
    const refusals = runtimeRefusals(g);
    g.ops.forEach((op, k) => {
      if (op.type === "QUANTIZE" || op.type === "DEQUANTIZE")
        expect([op.type, refusals[k]]).toEqual([op.type, undefined]);
      else
        expect([op.type, refusals[k]]).toEqual([
          op.type,
          expect.stringMatching(/^float32 (input|output) \d$/),
        ]);
    });
  });
});
