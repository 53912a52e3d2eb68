import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { quantize, quantizeWithReport } from "../../toolchain/quantize/index.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import { checkCase, newTally } from "../runtime/parity.js";
import { argmax, dequantizeOutput, pixelInputs, quantizeInput, runBoth, smallDsCnn } from "./helpers.js";

describe("quantize small DS-CNN (12x12x1, conv s=2, 2 separable blocks, GAP, dense softmax)", async () => {
  const f = await smallDsCnn(11);
  const calib = pixelInputs([12, 12, 1], 64, 1);
  const test = pixelInputs([12, 12, 1], 40, 2);

  it("int8 graph: per-channel conv axis 0 / depthwise axis 3, FC per-tensor, int32 bias, int8 io with input 1/255 zp -128", () => {
    const { graph: q, report } = quantizeWithReport(f, calib);
    const inQ = q.tensors[q.inputs[0]!]!;
    expect(inQ.dtype).toBe("int8");
    expect(inQ.quant!.scale[0]).toBeCloseTo(1 / 255, 12);
    expect(inQ.quant!.zeroPoint[0]).toBe(-128);
    const out = q.tensors[q.outputs[0]!]!;
    expect(out.quant).toMatchObject({ scale: [1 / 256], zeroPoint: [-128] });
    for (const o of q.ops) {
      if (o.type !== "CONV_2D" && o.type !== "DEPTHWISE_CONV_2D" && o.type !== "FULLY_CONNECTED") continue;
      const w = q.tensors[o.inputs[1]!]!;
      const b = q.tensors[o.inputs[2]!]!;
      expect(w.dtype).toBe("int8");
      expect(b.dtype).toBe("int32");
      const wq = w.quant!;
      const oc = o.type === "DEPTHWISE_CONV_2D" ? w.shape[3]! : w.shape[0]!;
      expect(wq.axis).toBe(o.type === "DEPTHWISE_CONV_2D" ? 3 : 0);
      expect(wq.scale.length).toBe(o.type === "FULLY_CONNECTED" ? 1 : oc);
      expect(Math.max(...Array.from(w.data as Int8Array, Math.abs))).toBe(127);
      expect(Math.min(...Array.from(w.data as Int8Array))).toBeGreaterThanOrEqual(-127);
      const inScale = q.tensors[o.inputs[0]!]!.quant!.scale[0]!;
      // conv/depthwise biases carry no params (implied; TFLite never reads them), FC biases one scale
      if (o.type === "FULLY_CONNECTED") expect(b.quant!.scale).toEqual([inScale * wq.scale[0]!]);
      else expect(b.quant).toBeUndefined();
      const withParams = quantize(f, calib, { biasParams: true });
      const bp = withParams.tensors[withParams.ops[q.ops.indexOf(o)]!.inputs[2]!]!.quant!;
      bp.scale.forEach((s, c) => {
        expect(s).toBeCloseTo(inScale * wq.scale[wq.scale.length === 1 ? 0 : c]!, 15);
      });
    }
    expect(report.floatGraph.ops.some((o) => o.type === "MUL" || o.type === "ADD")).toBe(false);
    expect(report.layers.every((l) => l.accumulatorBound < 2 ** 31)).toBe(true);
    // names stay: every int8 tensor has a float tensor of the same name
    for (const t of q.tensors) expect(report.floatGraph.tensors.some((x) => x.name === t.name)).toBe(true);
  });

  it("40 inputs op by op: edgeq runtime == native TFLite except counted gemm ties (runtime parity rule)", () => {
    const q = quantize(f, calib);
    const tally = newTally();
    for (const [k, x] of test.entries())
      checkCase({ name: `input ${k}`, graph: q, inputs: [quantizeInput(q, x)] }, tally);
    console.log(`parity: ${tally.values} values, ${tally.ties} gemm ties`);
    expect(tally.cases).toBe(40);
    const r = runBoth(q, test);
    let same = 0;
    r.native.forEach((n, k) => {
      if (n.join() === r.edgeq[k]!.join()) same++;
    });
    expect(same).toBeGreaterThanOrEqual(38);
  });

  it("int8 top-1 agrees with float on >= 95% of 40 inputs and softmax drift < 0.05 (minmax, percentile, mse)", () => {
    for (const calibration of ["minmax", "percentile", "mse"] as const) {
      const q = quantize(f, calib, { calibration });
      const r = runBoth(q, test);
      let agree = 0;
      let maxErr = 0;
      test.forEach((x, k) => {
        const fo = runFloat(f, [x]).outputs[0]!;
        const qo = dequantizeOutput(q, r.native[k]!);
        if (argmax(fo) === argmax(qo)) agree++;
        fo.forEach((v, i) => {
          maxErr = Math.max(maxErr, Math.abs(v - qo[i]!));
        });
      });
      expect(agree / test.length, calibration).toBeGreaterThanOrEqual(0.95);
      expect(maxErr, calibration).toBeLessThan(0.05);
    }
  });

  it("--float-io wraps in QUANTIZE/DEQUANTIZE; native float output equals the dequantized int8-io output", () => {
    const q8 = quantize(f, calib);
    const qf = quantize(f, calib, { floatIo: true });
    expect(qf.ops[0]!.type).toBe("QUANTIZE");
    expect(qf.ops[qf.ops.length - 1]!.type).toBe("DEQUANTIZE");
    expect(qf.tensors[qf.inputs[0]!]!.dtype).toBe("float32");
    const r8 = runBoth(q8, test.slice(0, 5));
    const nat = loadNative(writeTflite(qf));
    test.slice(0, 5).forEach((x, k) => {
      const y = nat.run([x])[0]!;
      expect(Array.from(y)).toEqual(Array.from(dequantizeOutput(q8, r8.native[k]!)));
    });
  });
});
