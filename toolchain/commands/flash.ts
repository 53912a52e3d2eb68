/**
 * edgeq flash MODEL --port PATH [--board auto|NAME] [--check INPUT.raw] [--baud N] [--engine edgeq|tflm|native]
 * Uploads the runtime and the model (and its labels) to an Espruino board's Storage over a
 * serial port, then optionally runs one inference there and compares the bytes with the host.
 */
import { defineCommand } from "citty";
import { SingleBar } from "cli-progress";
import { DEFAULT_RUNTIME, loadModel, readInput, readRuntime } from "../../boards/check.js";
import { loadBoards } from "../../boards/index.js";
import { NATIVE_ADDON_FILE, nativeAddon } from "../../runtime-int8/native/index.js";
import { EdgeqError } from "../errors.js";
import type { Engine, FlashProgress } from "../flash/flash.js";
import { runtimeFor } from "../runtime-bundle.js";

export default defineCommand({
  meta: {
    name: "flash",
    description:
      "Upload MODEL (and the edgeq runtime) to an Espruino board over a serial port: Storage files written " +
      "under a temporary name, CRC32-checked, then swapped in; with --check, run one inference on the board " +
      "and compare its output bytes with the host's",
  },
  args: {
    model: { type: "positional", required: true, description: "the int8 .tflite file" },
    port: { type: "string", required: true, description: "serial port path (see 'edgeq ports')" },
    board: {
      type: "string",
      default: "auto",
      description: "'auto' (from process.env.BOARD) or a board id/name that must match",
    },
    check: {
      type: "string",
      description: "raw int8 input file: run one inference on the board and compare with the host",
    },
    baud: { type: "string", default: "115200", description: "baud rate" },
    engine: {
      type: "string",
      default: "edgeq",
      description:
        "'edgeq' (this runtime), 'tflm' (the firmware's require(\"tensorflow\")) or 'native' (this runtime + the native add-on: Thumb-2 kernels, ARMv7E-M boards only)",
    },
    native: {
      type: "string",
      description: `native add-on for --engine native (default ${NATIVE_ADDON_FILE})`,
    },
    name: { type: "string", default: "model.tfl", description: "Storage file name of the model" },
    packets: { type: "string", default: "auto", description: "2v25+ packet protocol: auto|on|off" },
    runtime: {
      type: "string",
      description: `runtime bundle to upload (default: a per-model bundle holding only MODEL's kernels; the full one is ${DEFAULT_RUNTIME})`,
    },
    "board-file": { type: "string", description: "extra board record(s), comma-separated JSON files" },
  },
  async run({ args }) {
    const engine = String(args.engine) as Engine;
    if (engine !== "edgeq" && engine !== "tflm" && engine !== "native") {
      throw new EdgeqError("BAD_ARG", `--engine must be edgeq, tflm or native, not '${engine}'`);
    }
    let native: Uint8Array | undefined;
    if (engine === "native") {
      try {
        native = new TextEncoder().encode(nativeAddon(args.native ? String(args.native) : undefined).code);
      } catch (e) {
        throw new EdgeqError("BAD_RUNTIME", (e as Error).message);
      }
    }
    const baud = Number(args.baud);
    if (!Number.isInteger(baud) || baud <= 0)
      throw new EdgeqError("BAD_ARG", `--baud must be a positive integer, not '${args.baud}'`);
    const packets = String(args.packets);
    if (packets !== "auto" && packets !== "on" && packets !== "off") {
      throw new EdgeqError("BAD_ARG", `--packets must be auto, on or off, not '${packets}'`);
    }
    const model = loadModel(String(args.model));
    const check = args.check ? readInput(String(args.check), "check input") : undefined;
    // the runtime uploaded (and run on the host for --check): a per-model bundle unless --runtime names
    // one; the native engine keeps the full bundle (the add-on is built and tested against it)
    const runtimePath = args.runtime ? String(args.runtime) : undefined;
    const runtimeChoice =
      engine === "native"
        ? { bytes: readRuntime(runtimePath), source: runtimePath ?? DEFAULT_RUNTIME }
        : engine === "edgeq" || check
          ? await runtimeFor(model.bytes, runtimePath, readRuntime, model.path)
          : undefined;
    const runtime = runtimeChoice?.bytes;
    const files = args["board-file"] ? String(args["board-file"]).split(",").filter(Boolean) : [];
    const bar = new SingleBar({
      format: "{phase} [{bar}] {value}/{total} B",
      hideCursor: true,
      clearOnComplete: false,
    });
    let phase = "";
    const onProgress = (p: FlashProgress): void => {
      if (!process.stderr.isTTY) return;
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(p.total, p.done, { phase: p.phase.padEnd(7) });
      } else bar.update(p.done, { phase: p.phase.padEnd(7) });
    };
    // serialport: loaded when the command runs
    const { edgeqLoadCode, flash, nativeEvalCode, runtimeEvalCode, tflmCreateCode } = await import(
      "../flash/flash.js"
    );
    try {
      const r = await flash({
        port: String(args.port),
        baud,
        board: String(args.board),
        boards: loadBoards(files),
        model: model.bytes,
        modelName: String(args.name),
        ...(runtime ? { runtime } : {}),
        ...(native ? { native } : {}),
        ...(model.labels ? { labels: model.labels } : {}),
        ...(check ? { check } : {}),
        outputs: model.graph.outputs.length,
        engine,
        packets,
        onProgress,
      });
      if (phase) bar.stop();
      const out: string[] = [
        ...(runtimeChoice && engine !== "tflm"
          ? [`runtime: ${runtimeChoice.source}, ${runtimeChoice.bytes.length} B`]
          : []),
        `board: ${r.board.name} (BOARD=${r.env.BOARD}, firmware ${r.env.VERSION}), ${r.staging === "ram" ? "line protocol, staged in RAM (Storage cannot hold a file twice)" : r.packets ? "packet protocol" : "line protocol"}`,
      ];
      for (const u of r.uploads) {
        out.push(
          `  ${u.name}: ${u.bytes} B, CRC32 0x${u.crc.toString(16).padStart(8, "0")}${u.skipped ? " (already on the board, skipped)" : ""}${u.chunkRetries + u.fileRetries ? ` (${u.chunkRetries} chunk / ${u.fileRetries} file retries)` : ""}`,
        );
      }
      if (r.check) {
        const c = r.check;
        const fmt = (a: ArrayLike<number>[]): string =>
          a.map((o) => `[${Array.from(o).join(",")}]`).join(" ");
        out.push(`check (${c.engine}, ${c.ms} ms on the board): board ${fmt(c.board)}`);
        out.push(`                           host  ${fmt(c.host)}`);
        out.push(c.identical ? "output bytes identical" : "OUTPUT BYTES DIFFER");
        if (model.labels && c.board[0]) {
          const o = c.board[0];
          let best = 0;
          for (let i = 1; i < o.length; i++) if (o[i]! > o[best]!) best = i;
          out.push(`top class on the board: ${JSON.stringify(model.labels[best] ?? String(best))}`);
        }
        if (!c.identical) process.exitCode = 1;
      }
      if (r.nativeKernels)
        out.push(
          `native kernels: ${r.nativeKernels.join(", ") || "none of this model's ops"} (as machine code through E.nativeCall; the core runs the rest, and any op the add-on declines at load)`,
        );
      const mapped = r.board.storageMapped;
      if (!mapped)
        out.push(
          `Storage is not memory-mapped on ${r.board.name}: the board-side code copies the model${engine !== "tflm" ? " and the runtime" : ""} into RAM once (E.toFlatString)`,
        );
      out.push(
        engine !== "tflm"
          ? `on the board: ${runtimeEvalCode("edgeqrt.js", mapped)}; ${engine === "native" ? `${nativeEvalCode("edgeqrtn.js", mapped)}; ` : ""}var m = ${edgeqLoadCode(String(args.name), mapped)}; m.input(0).set(...); m.invoke(); m.output(0)`
          : `on the board: var tf = ${tflmCreateCode(String(args.name), "ARENA_BYTES", mapped)}; tf.getInput().set(...); tf.invoke(); tf.getOutput()`,
      );
      process.stdout.write(`${out.join("\n")}\n`);
    } finally {
      if (phase) bar.stop();
    }
  },
});
