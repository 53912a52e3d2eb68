/**
 * edgeq report --float MODEL --int8 MODEL.tflite --data DATA --out DIR [--samples N] [--fail-if-drop PP]
 * Writes DIR/report.html, DIR/report.md, DIR/report.json.
 * --fail-if-drop: after writing the report, when int8 top-1 is more than PP points below
 * float top-1, throws an EdgeqError (code E_REPORT_DROP): the CLI prints one `edgeq: ...`
 * line and exits 2.
 */
import { defineCommand } from "citty";
import { SingleBar } from "cli-progress";
import { EdgeqError } from "../errors.js";
import { fmt, pct } from "../report/format.js";

function num(v: unknown, name: string, min: number): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min)
    throw new EdgeqError(
      "E_REPORT_ARG",
      `--${name} must be a number >= ${min}, got '${String(v)}'`,
      `--${name}`,
    );
  return n;
}

export default defineCommand({
  meta: {
    name: "report",
    description:
      "Float vs int8 drift report (model, layer, channel, feature maps) -> DIR/report.html, report.md, report.json. " +
      "With --fail-if-drop PP it exits 2 (after writing the report) when int8 top-1 drops more than PP points.",
  },
  args: {
    float: { type: "string", required: true, description: "float model: tfjs model.json or float .tflite" },
    int8: { type: "string", required: true, description: "int8 model .tflite" },
    data: {
      type: "string",
      required: true,
      description: "dataset directory (e.g. samples/fashion-mnist); its test split is used",
    },
    out: { type: "string", required: true, description: "output directory" },
    samples: {
      type: "string",
      description: "number of test samples (default 2000, capped at the test split)",
    },
    "fail-if-drop": {
      type: "string",
      description: "exit 2 when int8 top-1 accuracy is more than PP percentage points below float",
    },
    engine: {
      type: "string",
      description:
        "int8 engine: runtime (edgeq's integer runtime, default) or simulate (float executor with fake quant)",
    },
  },
  async run({ args }) {
    const { buildReport, writeReport } = await import("../report/index.js"); // loaded when the command runs
    const samples = num(args.samples, "samples", 1);
    const failIfDrop = num(args["fail-if-drop"], "fail-if-drop", 0);
    const engine = args.engine ?? "runtime";
    if (engine !== "runtime" && engine !== "simulate")
      throw new EdgeqError(
        "E_REPORT_ARG",
        `--engine must be runtime or simulate, got '${engine}'`,
        "--engine",
      );
    const bar = new SingleBar({
      format: "report |{bar}| {value}/{total} samples | {eta}s left",
      stream: process.stderr,
    });
    let started = false;
    const r = await buildReport({
      floatPath: args.float,
      int8Path: args.int8,
      dataPath: args.data,
      engine,
      ...(samples !== undefined ? { samples: Math.floor(samples) } : {}),
      onWarning: (m) => process.stderr.write(`edgeq: warning: ${m}\n`),
      onProgress: (done, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
        if (done === total) bar.stop();
      },
    });
    const paths = writeReport(r, args.out);
    process.stdout.write(
      `float top-1 ${pct(r.float.top1, 2)}, int8 top-1 ${pct(r.int8.top1, 2)}, agreement ${pct(r.agreement, 2)}, ` +
        `${r.jump ? `drift jumps at op ${r.jump.index} ${JSON.stringify(r.jump.name)} (-${fmt(r.jump.drop_db, 1)} dB)` : "no drift jump"}\n` +
        `wrote ${paths.html}, ${paths.md}, ${paths.json} (${fmt(r.meta.seconds, 1)} s, ${r.meta.samples} samples, int8 engine: ${r.meta.engine})\n`,
    );
    if (failIfDrop !== undefined) {
      if (r.drop_pp === null)
        throw new EdgeqError(
          "E_REPORT_DROP",
          "--fail-if-drop needs labelled data, and this data set has none",
          args.data,
        );
      if (r.drop_pp > failIfDrop)
        throw new EdgeqError(
          "E_REPORT_DROP",
          `int8 top-1 drops ${fmt(r.drop_pp, 2)} points (float ${pct(r.float.top1, 2)}, int8 ${pct(r.int8.top1, 2)}), more than --fail-if-drop ${failIfDrop}`,
          args.int8,
        );
    }
  },
});
