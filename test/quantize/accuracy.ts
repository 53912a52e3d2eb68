/**
 * DS-CNN acceptance numbers (a script, not a test: it needs a trained model):
 *   npx tsx test/quantize/accuracy.ts [MODEL.json] [DATA] [--samples 500] [--limit N] [--no-parity] [--only "NAME|NAME"]
 * Float vs int8 test accuracy and top-1 agreement for several quantization settings, int8
 * outputs of native TFLite vs edgeq's runtime, and the size split of the int8 file.
 */
import { load } from "../../runtime-int8/src/index.js";
import { runFloat } from "../../toolchain/exec/float.js";
import { importModel } from "../../toolchain/import/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { loadCalibSet } from "../../toolchain/quantize/calibset.js";
import { type QuantizeOptions, quantize } from "../../toolchain/quantize/index.js";
import { weightBytes } from "../../toolchain/quantize/summary.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadDataset } from "../../toolchain/train/data.js";
import { loadNative } from "../oracles/native.js";
import { checkCase, newTally } from "../runtime/parity.js";

const argv = process.argv.slice(2);
const flag = (k: string, d: number): number => {
  const i = argv.indexOf(k);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const pos = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
const modelPath = pos[0] ?? "out/ds-cnn/model.json";
const dataPath = pos[1] ?? "samples/fashion-mnist";
const nCalib = flag("--samples", 500);

const argmax = (a: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
};

const f = await importModel(modelPath);
const ds = await loadDataset(dataPath);
const per = ds.inputShape.reduce((a, b) => a * b, 1);
const nTest = Math.min(flag("--limit", ds.test.n), ds.test.n);
const xs = Array.from({ length: nTest }, (_, i) => ds.test.x.subarray(i * per, (i + 1) * per));
const calib = (await loadCalibSet(dataPath, f, nCalib)).samples;

let t = Date.now();
const floatPred = xs.map((x) => argmax(runFloat(f, [x]).outputs[0]!));
const floatAcc = floatPred.filter((p, i) => p === ds.test.y[i]).length / nTest;
console.log(
  `model ${modelPath}: ${nTest} test images, float accuracy ${(100 * floatAcc).toFixed(2)}% (${Date.now() - t} ms)`,
);

function evalInt8(name: string, opts: QuantizeOptions, checkRuntime: boolean): void {
  t = Date.now();
  const q: Graph = quantize(f, calib, opts);
  const qms = Date.now() - t;
  const bytes = writeTflite(q);
  const nat = loadNative(bytes);
  const rt = checkRuntime ? load(bytes) : undefined;
  const iq = q.tensors[q.inputs[0]!]!.quant!;
  let correct = 0;
  let agree = 0;
  let tieAgree = 0;
  let rtSame = 0;
  let rtDiffElems = 0;
  let rtMaxDiff = 0;
  xs.forEach((x, i) => {
    const xi = Int8Array.from(x, (v) =>
      Math.max(-128, Math.min(127, Math.round(v / iq.scale[0]!) + iq.zeroPoint[0]!)),
    );
    const y = nat.run([xi])[0]!;
    const p = argmax(y);
    if (p === ds.test.y[i]) correct++;
    if (p === floatPred[i]) agree++;
    // int8 softmax output has 1/256 resolution: top classes can tie exactly (argmax takes the first)
    if (y[floatPred[i]!] === y[p]) tieAgree++;
    if (rt) {
      (rt.input(0) as Int8Array).set(xi);
      rt.invoke();
      const yr = rt.output(0) as Int8Array;
      let same = true;
      for (let k = 0; k < y.length; k++)
        if (y[k] !== yr[k]) {
          same = false;
          rtDiffElems++;
          rtMaxDiff = Math.max(rtMaxDiff, Math.abs(y[k]! - yr[k]!));
        }
      if (same) rtSame++;
    }
  });
  const wb = weightBytes(q);
  console.log(
    `${name.padEnd(34)} int8 acc ${(100 * (correct / nTest)).toFixed(2)}% (${(100 * (correct / nTest - floatAcc)).toFixed(2)} pts), ` +
      `agreement ${(100 * (agree / nTest)).toFixed(2)}% (${(100 * (tieAgree / nTest)).toFixed(2)}% counting exact int8 ties), file ${bytes.length} B = ${wb} weights+bias + ${bytes.length - wb} other` +
      (rt ? `, runtime==native ${rtSame}/${nTest} (diff elems ${rtDiffElems}, max ${rtMaxDiff})` : "") +
      ` [quantize ${qms} ms]`,
  );
}

evalInt8("default (percentile 99.99)", {}, true);
if (!argv.includes("--no-parity")) {
  // op-by-op parity with the runtime issue's rule (gemm ties recognised and counted)
  const q = quantize(f, calib);
  const iq = q.tensors[q.inputs[0]!]!.quant!;
  const tally = newTally();
  const unexplained: string[] = [];
  xs.forEach((x, i) => {
    const xi = Int8Array.from(x, (v) =>
      Math.max(-128, Math.min(127, Math.round(v / iq.scale[0]!) + iq.zeroPoint[0]!)),
    );
    try {
      checkCase({ name: `test image ${i}`, graph: q, inputs: [xi] }, tally);
    } catch (e) {
      unexplained.push((e as Error).message);
    }
  });
  if (unexplained.length)
    console.log(
      `UNEXPLAINED runtime vs native differences in ${unexplained.length} images, e.g. ${unexplained.slice(0, 3).join("; ")}`,
    );
  console.log(
    `op-by-op parity runtime vs native over ${tally.cases} images: ${tally.values} values, all equal except ` +
      `${tally.ties} explained gemm ties`,
  );
}
const smIn = f.ops.find((o) => o.type === "SOFTMAX");
const smName = smIn ? f.tensors[smIn.inputs[0]!]!.name : "";
const configs: [string, QuantizeOptions][] = [
  ["minmax", { calibration: "minmax" }],
  ["minmax, softmax input mse", { calibration: "minmax", layers: { [smName]: "mse" } }],
  ["minmax, softmax input percentile", { calibration: "minmax", layers: { [smName]: "percentile" } }],
  ["minmax, no bias correction", { calibration: "minmax", biasCorrection: false }],
  ["minmax, full bias correction", { calibration: "minmax", biasCorrection: "full" }],
  ["percentile, no bias correction", { biasCorrection: false }],
  ["mse, full bias correction", { calibration: "mse", biasCorrection: "full" }],
  ["mse", { calibration: "mse" }],
  ["mse, no bias correction", { calibration: "mse", biasCorrection: false }],
  ["mse, equalize", { calibration: "mse", equalize: true }],
  ["per-tensor", { perTensor: true }],
  ["per-tensor, no bias correction", { perTensor: true, biasCorrection: false }],
  ["per-tensor, equalize", { perTensor: true, equalize: true }],
];
const only = argv.includes("--only") ? String(argv[argv.indexOf("--only") + 1]).split("|") : undefined;
for (const [name, opts] of configs) if (!only || only.includes(name)) evalInt8(name, opts, false);
