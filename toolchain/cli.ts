#!/usr/bin/env node
/**
 * The edgeq command table. Each command lives in toolchain/commands/<name>.ts as a citty
 * command and is a thin call into the modules; this file only routes and turns errors into
 * one `edgeq: ...` line on stderr with exit code 2 (`--debug` shows the stack).
 */
import { type CommandDef, renderUsage, runCommand } from "citty";
import { EdgeqError } from "./errors.js";

// Lazily imported so that `edgeq inspect` does not load tfjs.
// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument types
const commands: Record<string, () => Promise<CommandDef<any>>> = {
  bundle: () => import("./commands/bundle.js").then((m) => m.default),
  demo: () => import("./commands/demo.js").then((m) => m.default),
  fit: () => import("./commands/fit.js").then((m) => m.default),
  flash: () => import("./commands/flash.js").then((m) => m.default),
  inspect: () => import("./commands/inspect.js").then((m) => m.default),
  ports: () => import("./commands/ports.js").then((m) => m.default),
  quantize: () => import("./commands/quantize.js").then((m) => m.default),
  report: () => import("./commands/report.js").then((m) => m.default),
  run: () => import("./commands/run.js").then((m) => m.default),
  train: () => import("./commands/train.js").then((m) => m.default),
};

/**
 * Each command's meta.description, for `edgeq --help`: the usage then loads no command module
 * (test/package/startup.test.ts checks that every entry equals its command's own description).
 * A command missing here is loaded to read it.
 */
const summaries: Record<string, string> = {
  bundle:
    "Write a runtime for one model: DIR/edgeq-rt.js (readable ES5) and DIR/edgeq-rt.min.js holding only the kernels MODEL uses, with the full runtime's API (edgeqrt.load, edgeqrt.use); prints the kernels and sizes",
  demo: "Train a DS-CNN on samples/fashion-mnist, quantize it per-channel to int8, run it with edgeq's runtime and native TFLite side by side, write the drift report, fit it on every Espruino board, and summarise",
  fit: "Does MODEL fit an Espruino board? Storage (runtime + model + headers), RAM in JsVars (arena, weights, runtime), verdict with a 10% margin, ESTIMATED latency (per-op rates measured on the real Espruino interpreter's Linux build, scaled to each board's clock and core), and for boards with TFLite Micro built in whether all ops are among its 9",
  flash:
    "Upload MODEL (and the edgeq runtime) to an Espruino board over a serial port: Storage files written under a temporary name, CRC32-checked, then swapped in; with --check, run one inference on the board and compare its output bytes with the host's",
  inspect:
    "Show a .tflite model: inputs/outputs, ops with tensor shapes, dtypes and quantization, MACs and params per op and in total, separable blocks vs standard convs, size split into weights / structure",
  ports: "List serial ports (for edgeq flash --port)",
  quantize:
    "Post-training int8 quantization: fold BatchNorm, fuse ReLU, calibrate activation ranges on a representative set, per-channel int8 weights, int32 biases; writes a TFLite flatbuffer",
  report:
    "Float vs int8 drift report (model, layer, channel, feature maps) -> DIR/report.html, report.md, report.json. With --fail-if-drop PP it exits 2 (after writing the report) when int8 top-1 drops more than PP points.",
  run: "Run a .tflite model once with edgeq's int8 runtime on raw little-endian input bytes and print its outputs",
  train:
    "Train a float model (ds-cnn, mobilenet-v1, cifar-sep) on a dataset (samples/fashion-mnist, an IDX, CIFAR-10 binary or .npy directory); writes DIR/model.json, DIR/weights.bin, DIR/train.json",
};

const main: CommandDef = {
  meta: {
    name: "edgeq",
    version: "0.1.0",
    description: "Train, quantize and run small depthwise-separable CNNs on Espruino boards",
  },
  subCommands: () => Object.fromEntries(Object.entries(commands).map(([name, load]) => [name, () => load()])),
};

/** `main` for rendering its usage: the commands as their name and description only. */
const mainUsage: CommandDef = {
  meta: main.meta,
  subCommands: () =>
    Object.fromEntries(
      Object.entries(commands).map(([name, load]) => {
        const description = summaries[name];
        return [name, description === undefined ? () => load() : { meta: { name, description } }];
      }),
    ),
};

function isUsageError(e: unknown): e is Error {
  return e instanceof Error && (e.name === "CLIError" || "code" in e) && !(e instanceof EdgeqError);
}

async function findCommand(argv: string[]): Promise<CommandDef> {
  const name = argv.find((a) => !a.startsWith("-"));
  const load = name ? commands[name] : undefined;
  return load ? await load() : main;
}

export async function cli(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  if (args.length === 0 || args.includes("--help") || args.includes("-h")) {
    const cmd = await findCommand(args);
    process.stdout.write(
      `${await renderUsage(cmd === main ? mainUsage : cmd, cmd === main ? undefined : main)}\n`,
    );
    return 0;
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
    process.stdout.write("0.1.0\n");
    return 0;
  }
  const name = args.find((a) => !a.startsWith("-"));
  if (!name || !commands[name]) {
    const known = Object.keys(commands).sort().join(", ");
    process.stderr.write(
      `edgeq: unknown command '${name ?? args[0]}' (commands: ${known}; see edgeq --help)\n`,
    );
    return 2;
  }
  try {
    await runCommand(main, { rawArgs: args });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const prefix = e instanceof EdgeqError || isUsageError(e) ? "" : "internal error: ";
    process.stderr.write(`edgeq: ${prefix}${err.message.split("\n")[0]}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
}

// `edgeq inspect m.tflite | head`: a closed pipe ends the output quietly, not with a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await cli(process.argv.slice(2));
process.exitCode = code;
