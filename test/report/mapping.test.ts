/**
 * Matching int8 op outputs to float tensors when the float graph is unfused (conv -> RELU6,
 * conv -> MUL -> ADD batch norm -> RELU6) and when the int8 tensor names say nothing; and the
 * runtime engine against the simulated one (float executor with fake quant) on the same model.
 */
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { quantize } from "../../toolchain/quantize/index.js";
import { collect } from "../../toolchain/report/collect.js";
import { floatEngine, simulatedInt8Engine } from "../../toolchain/report/engines.js";
import { matchLayers } from "../../toolchain/report/mapping.js";
import { importRuntime, wrapRuntime } from "../../toolchain/report/runtime.js";
import type { ReportData } from "../../toolchain/report/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { inputs, smallCnn } from "./fixtures.js";

const raw = smallCnn({ collapse: 1, raw: true });
const bytes = writeTflite(quantize(raw, inputs(32), { perTensor: false }));
const qg = readTflite(bytes);
const renamed: Graph = { ...qg, tensors: qg.tensors.map((t, i) => ({ ...t, name: `t${i}` })) };
const floatName = (m: { floatTensor: number }): string | null =>
  m.floatTensor >= 0 ? raw.tensors[m.floatTensor]!.name : null;

async function run(g: Graph, engine: "runtime" | "simulate"): Promise<ReportData> {
  const load = await importRuntime();
  if (!load) throw new Error("runtime-int8 did not load");
  const qe = engine === "runtime" ? wrapRuntime(load(bytes), g) : simulatedInt8Engine(g);
  return collect(floatEngine(raw), qe, { x: inputs(24, 8) });
}

describe("layer matching on an unfused float graph", () => {
  it("by name: fused conv1 and pw (+BN +RELU6) compare with the float RELU6 outputs, not the pre-activation tensors", () => {
    const m = matchLayers(raw, qg);
    const conv = m.filter((x) => qg.ops[x.op]!.type === "CONV_2D");
    expect(conv.map(floatName)).toEqual(["conv1/relu6", "pw/relu6"]);
    expect(conv.map((x) => x.by)).toEqual(["name", "name"]);
    expect(conv[1]!.floatOps.map((f) => raw.ops[f]!.type)).toEqual(["CONV_2D", "MUL", "ADD", "RELU6"]);
  });

  it("by structure (int8 names t0..tN): the same float tensor for every op as by name", () => {
    const a = matchLayers(raw, qg).map(floatName);
    const b = matchLayers(raw, renamed);
    expect(b.map(floatName)).toEqual(a);
    expect(b.filter((x) => x.floatTensor >= 0).every((x) => x.by === "structure")).toBe(true);
    expect(a.filter((x) => x !== null).length).toBe(qg.ops.length);
  });

  it("renamed graph gives the same metrics; BN MUL folded into the float pw weights matches the int8 weights", async () => {
    const a = await run(qg, "runtime");
    const b = await run(renamed, "runtime");
    expect(b.layers.map((l) => l.sqnr_db)).toEqual(a.layers.map((l) => l.sqnr_db));
    for (const l of a.layers) expect(l.sqnr_db).toBeGreaterThan(25);
    const pw = a.weights.find((w) => w.name === "pw/weights" || w.name.startsWith("pw/"))!;
    expect(pw.name).not.toContain("dequantized");
    // folded float weights vs the model's int8 weights: only rounding error (per-channel int8 ~ 40+ dB)
    expect(pw.modelSqnrDb!).toBeGreaterThan(35);
  });
});

describe("runtime-int8 vs simulated int8", () => {
  it("per-layer SQNR within 3 dB and the same top-1 on >= 95% of samples", async () => {
    const a = await run(qg, "runtime");
    const b = await run(qg, "simulate");
    a.layers.forEach((l, i) => {
      expect(Math.abs(Math.min(l.sqnr_db, 60) - Math.min(b.layers[i]!.sqnr_db, 60))).toBeLessThan(3);
    });
    expect(a.agreement!).toBeGreaterThan(0.95);
    expect(b.agreement!).toBeGreaterThan(0.95);
  });
});

describe("float input/output wrapped in QUANTIZE / DEQUANTIZE (floatIo)", () => {
  it("QUANTIZE compares with the float input, DEQUANTIZE with the float softmax; runtime takes float input", async () => {
    const fg = smallCnn({ collapse: 1 });
    const fbytes = writeTflite(quantize(fg, inputs(32), { floatIo: true }));
    const g = readTflite(fbytes);
    expect(g.tensors[g.inputs[0]!]!.dtype).toBe("float32");
    const load = await importRuntime();
    const r = collect(floatEngine(fg), wrapRuntime(load!(fbytes), g), { x: inputs(16, 3) });
    const q = r.layers.find((l) => l.op === "QUANTIZE")!;
    const dq = r.layers.find((l) => l.op === "DEQUANTIZE")!;
    expect(q.float_tensor).toBe("input");
    expect(dq.float_tensor).toBe("softmax");
    expect(dq.saturated).toBeNull(); // a float32 tensor has no int8 codes
    expect(r.layers.every((l) => l.compared)).toBe(true);
    expect(r.layers.some((l) => l.op === "INPUT (quantized)")).toBe(false);
    expect(dq.sqnr_db).toBeCloseTo(r.layers.find((l) => l.op === "SOFTMAX")!.sqnr_db, 6);
    expect(r.output.metrics.sqnr_db).toBeCloseTo(dq.sqnr_db, 6);
  });
});
