/** edgeq demo: the whole pipeline on the shipped sample (train, quantize, run, report, fit). */
import { defineCommand } from "citty";
import { EdgeqError } from "../errors.js";

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new EdgeqError("E_ARGS", `--${name} must be a whole number >= 1, got '${v}'`, `--${name}`);
  return n;
}

export default defineCommand({
  meta: {
    name: "demo",
    description:
      "Train a DS-CNN on samples/fashion-mnist, quantize it per-channel to int8, run it with edgeq's runtime and " +
      "native TFLite side by side, write the drift report, fit it on every Espruino board, and summarise",
  },
  args: {
    data: { type: "string", default: "samples/fashion-mnist", description: "dataset directory" },
    out: { type: "string", default: "out/demo", description: "output directory" },
    epochs: { type: "string", description: "training epochs (default 5)" },
    seed: { type: "string", description: "random seed (default 1)" },
    samples: {
      type: "string",
      description: "test images for the side-by-side run and the report (default 2000)",
    },
  },
  async run({ args }) {
    const { formatSummary, runDemo } = await import("../demo.js"); // tfjs: loaded when the command runs
    const s = await runDemo({
      data: args.data,
      out: args.out,
      epochs: int(args.epochs, "epochs", 5),
      seed: int(args.seed, "seed", 1),
      samples: int(args.samples, "samples", 2000),
      calibSamples: 500,
      progress: process.stderr.isTTY === true,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${formatSummary(s)}\n`);
  },
});
