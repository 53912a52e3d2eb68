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

const main: CommandDef = {
  meta: {
    name: "edgeq",
    version: "0.1.0",
    description: "Train, quantize and run small depthwise-separable CNNs on Espruino boards",
  },
  subCommands: () => Object.fromEntries(Object.entries(commands).map(([name, load]) => [name, () => load()])),
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
    process.stdout.write(`${await renderUsage(cmd, cmd === main ? undefined : main)}\n`);
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
