/**
 * Runs a simulated Espruino board until Ctrl-C, for trying `edgeq flash` by hand:
 *   npx tsx test/sim/main.ts [--board PUCKJS] [--version 2v25] [--storage 40960] [--memory 524288 (QuickJS bytes, not JsVars)] [--tflm]
 * prints the pty path to pass as --port.
 */

import { loadNative } from "../oracles/native.js";
import { SimBoard } from "./board.js";
import type { TfEngine } from "./vm.js";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const tflm: TfEngine = {
  create(_arena, model) {
    const m = loadNative(model);
    const input = new Int8Array(m.inputs[0]!.shape.reduce((a, b) => a * b, 1));
    return { input, run: () => m.run([input])[0] as Int8Array };
  },
};

const board = arg("board", "PUCKJS");
const sim = await SimBoard.start({
  env: {
    BOARD: board,
    VERSION: arg("version", "2v25"),
    MODULES: process.argv.includes("--tflm") ? "Storage,tensorflow" : "Storage",
  },
  storageBytes: Number(arg("storage", "40960")),
  memoryBytes: Number(arg("memory", String(512 * 1024))),
  ...(process.argv.includes("--tflm") ? { tensorflow: tflm } : {}),
});
process.stdout.write(`simulated ${board} on ${sim.hostPath} (Ctrl-C to stop)\n`);
const stop = async (): Promise<void> => {
  process.stdout.write(
    `\nfiles: ${[...sim.storage.files.keys()].join(", ") || "none"}; lines run: ${sim.executed.length}\n`,
  );
  await sim.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
