/**
 * edgeq quantize MODEL --calib DATA --out MODEL.tflite [options]
 * Float model (tfjs model.json or float .tflite) -> int8 TFLite, with a summary.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defineCommand } from "citty";
import { SingleBar } from "cli-progress";
import type { CalibrationMethod } from "../calibrate/index.js";
import { EdgeqError } from "../errors.js";

async function method(v: unknown, where: string): Promise<CalibrationMethod> {
  const { CALIBRATION_METHODS } = await import("../calibrate/index.js");
  const m = String(v) as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(m))
    throw new EdgeqError(
      "E_ARGS",
      `unknown calibration method '${m}'; use ${CALIBRATION_METHODS.join(" | ")}`,
      where,
    );
  return m;
}

/** Float model bytes on disk: the .tflite, or model.json plus its weight files. */
function floatBytes(path: string): number {
  if (path.endsWith(".tflite")) return statSync(path).size;
  let n = statSync(path).size;
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as { weightsManifest?: { paths: string[] }[] };
    for (const g of j.weightsManifest ?? [])
      for (const p of g.paths) n += statSync(join(dirname(path), p)).size;
  } catch {
    // importModel already reported unreadable files
  }
  return n;
}

export default defineCommand({
  meta: {
    name: "quantize",
    description:
      "Post-training int8 quantization: fold BatchNorm, fuse ReLU, calibrate activation ranges on a " +
      "representative set, per-channel int8 weights, int32 biases; writes a TFLite flatbuffer",
  },
  args: {
    model: {
      type: "positional",
      required: true,
      description: "float model: tfjs model.json or a float .tflite",
    },
    calib: {
      type: "string",
      required: true,
      description: "representative data: a dataset directory (training split is used) or linspace:LO:HI",
    },
    out: { type: "string", required: true, description: "output .tflite path" },
    calibration: {
      type: "string",
      default: "percentile",
      description: "activation ranges: minmax | percentile (of --percentile) | mse",
    },
    percentile: { type: "string", default: "99.99", description: "percentile for --calibration percentile" },
    layers: {
      type: "string",
      description: "per-layer calibration overrides, e.g. conv0_conv=mse,block1_dw=percentile",
    },
    samples: { type: "string", default: "500", description: "number of calibration samples" },
    "per-tensor": { type: "boolean", description: "one weight scale per tensor (for comparison; worse)" },
    "per-channel-dense": {
      type: "boolean",
      description: "per-channel FULLY_CONNECTED weights (old TFLite Micro, as on Espruino, rejects them)",
    },
    equalize: {
      type: "boolean",
      description: "cross-layer equalisation of conv/depthwise pairs (Nagel et al. 2019)",
    },
    "float-io": { type: "boolean", description: "float32 input/output wrapped in QUANTIZE/DEQUANTIZE" },
    "keep-ranges": {
      type: "boolean",
      description: "store calibrated min/max in the activations' params (bigger file)",
    },
    "full-bias-correction": {
      type: "boolean",
      description: "also correct the mean shift from activation rounding, layer by layer (slower)",
    },
    json: { type: "boolean", description: "print the summary as JSON" },
  },
  async run({ args }) {
    const modelPath = String(args.model);
    const out = String(args.out);
    if (!out.endsWith(".tflite"))
      throw new EdgeqError("E_ARGS", `--out '${out}' should end in .tflite`, "--out");
    const n = Number(args.samples);
    if (!Number.isInteger(n) || n < 1)
      throw new EdgeqError(
        "E_ARGS",
        `--samples must be a positive integer, got '${args.samples}'`,
        "--samples",
      );
    const pct = Number(args.percentile);
    if (!(pct > 50 && pct <= 100))
      throw new EdgeqError(
        "E_ARGS",
        `--percentile must be in (50, 100], got '${args.percentile}'`,
        "--percentile",
      );
    const layers: Record<string, CalibrationMethod> = {};
    for (const kv of String(args.layers ?? "")
      .split(",")
      .filter(Boolean)) {
      const [k, v] = kv.split("=");
      if (!k || !v) throw new EdgeqError("E_ARGS", `--layers entry '${kv}' is not NAME=METHOD`, "--layers");
      layers[k] = await method(v, "--layers");
    }
    const calibration = await method(args.calibration, "--calibration");
    // the pipeline's modules load when the command runs, not for `edgeq --help`
    const [
      { importModel },
      { jsonEntry, META_LABELS, withMetadata },
      { loadCalibSet },
      { quantizeWithReport },
      { summarize },
      { writeTflite },
    ] = await Promise.all([
      import("../import/index.js"),
      import("../ir/metadata.js"),
      import("../quantize/calibset.js"),
      import("../quantize/index.js"),
      import("../quantize/summary.js"),
      import("../tflite/write.js"),
    ]);
    const warnings: string[] = [];
    // raw import: quantize folds and fuses itself, so its summary counts the folds
    const f = await importModel(modelPath, { raw: true, onWarning: (w) => warnings.push(w) });
    const set = await loadCalibSet(String(args.calib), f, n);
    const bar = new SingleBar({
      format: "calibrate |{bar}| {value}/{total} {phase} | {eta}s left",
      stream: process.stderr,
    });
    let started = false;
    const t0 = Date.now();
    const { graph, report } = quantizeWithReport(f, set.samples, {
      calibration,
      percentile: pct,
      layers,
      perTensor: !!args["per-tensor"],
      perChannelDense: !!args["per-channel-dense"],
      equalize: !!args.equalize,
      floatIo: !!args["float-io"],
      keepRanges: !!args["keep-ranges"],
      ...(args["full-bias-correction"] ? { biasCorrection: "full" as const } : {}),
      onWarning: (w) => warnings.push(w),
      onProgress: (done, total, phase) => {
        if (!started) {
          bar.start(total, 0, { phase });
          started = true;
        }
        bar.update(done, { phase });
      },
    });
    if (started) bar.stop();
    if (set.labels?.length) graph.metadata = withMetadata(graph, jsonEntry(META_LABELS, set.labels));
    const bytes = writeTflite(graph);
    writeFileSync(out, bytes);
    const s = summarize(graph, report, {
      floatBytes: floatBytes(modelPath),
      bytes: bytes.length,
      ms: Date.now() - t0,
    });
    if (args.json) process.stdout.write(`${JSON.stringify({ ...s.data, warnings }, null, 2)}\n`);
    else {
      process.stdout.write(s.text);
      for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
      process.stdout.write(`wrote ${out}\n`);
    }
  },
});
