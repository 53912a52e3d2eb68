import { describe, expect, it } from "vitest";
import { runFloat } from "../../toolchain/exec/float.js";
import { importModel } from "../../toolchain/import/index.js";
import { quantizeWithReport } from "../../toolchain/quantize/index.js";
import { randomizeWeights, saveModel } from "../import/tfjs-models.js";
import { checkCase, newTally } from "../runtime/parity.js";
import { dequantizeOutput, pixelInputs, quantizeInput, runBoth, tf } from "./helpers.js";

describe("quantize graphs beyond conv chains", () => {
  it("BN on the input (unfoldable MUL+ADD), zeropad, conv, residual ADD, concat, maxpool, dense: parity + drift < 0.1", async () => {
    const inp = tf.input({ shape: [8, 8, 2] });
    const bn = tf.layers.batchNormalization().apply(inp) as tf.SymbolicTensor;
    const p = tf.layers.zeroPadding2d({ padding: 1 }).apply(bn) as tf.SymbolicTensor;
    const c1 = tf.layers
      .conv2d({ filters: 2, kernelSize: 3, activation: "relu" })
      .apply(p) as tf.SymbolicTensor;
    const a = tf.layers.add().apply([c1, bn]) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate().apply([a, c1]) as tf.SymbolicTensor;
    const mp = tf.layers.maxPooling2d({ poolSize: 2 }).apply(cat) as tf.SymbolicTensor;
    const fl = tf.layers.flatten().apply(mp) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4 }).apply(fl) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    randomizeWeights(m, 51);
    const f = await importModel(await saveModel(m));
    expect(f.ops.map((o) => o.type)).toEqual([
      "MUL",
      "ADD",
      "PAD",
      "CONV_2D",
      "ADD",
      "CONCATENATION",
      "MAX_POOL_2D",
      "FULLY_CONNECTED",
    ]);
    const warnings: string[] = [];
    const calib = pixelInputs([8, 8, 2], 32, 9);
    const { graph: q } = quantizeWithReport(f, calib, { onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toMatch(/MUL .* constant operand that could not be folded/);
    const test = pixelInputs([8, 8, 2], 10, 10);
    const tally = newTally();
    test.forEach((x, k) => {
      checkCase({ name: `input ${k}`, graph: q, inputs: [quantizeInput(q, x)] }, tally);
    });
    expect(tally.cases).toBe(10);
    const r = runBoth(q, test);
    let num = 0;
    let den = 0;
    test.forEach((x, k) => {
      const fo = runFloat(f, [x]).outputs[0]!;
      const qo = dequantizeOutput(q, r.native[k]!);
      fo.forEach((v, i) => {
        num += (v - qo[i]!) ** 2;
        den += v * v;
      });
    });
    expect(Math.sqrt(num / den)).toBeLessThan(0.1);
    // concatenation inputs and output share one set of params (TFLite's int8 requirement)
    const cop = q.ops.find((o) => o.type === "CONCATENATION")!;
    const qp = cop.inputs.map((i) => q.tensors[i]!.quant);
    for (const p of qp) expect(p).toEqual(q.tensors[cop.outputs[0]!]!.quant);
  });
});
