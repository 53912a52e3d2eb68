/**
 * edgeq fit MODEL --board NAME|all [--json] [--board-file custom.json] [--runtime PATH] [--engine edgeq|native]
 * Storage and RAM needed on each board, verdict with margin, estimated latency, TFLite Micro ops;
 * with --engine native, the native add-on's bytes and estimated native latency on boards that take it.
 */
import { defineCommand } from "citty";
import { DEFAULT_RUNTIME, fitModel, loadModel, readRuntime } from "../../boards/check.js";
import { NATIVE_RATE_NOTE } from "../../boards/native.js";
import { formatFit } from "../../boards/report.js";
import { NATIVE_ADDON_FILE, nativeAddon } from "../../runtime-int8/native/index.js";
import { EdgeqError } from "../errors.js";
import { runtimeFor } from "../runtime-bundle.js";

export default defineCommand({
  meta: {
    name: "fit",
    description:
      "Does MODEL fit an Espruino board? Storage (runtime + model + headers), RAM in JsVars (arena, weights, " +
      "runtime), verdict with a 10% margin, ESTIMATED latency (per-op rates measured on the real Espruino " +
      "interpreter's Linux build, scaled to each board's clock and core), and " +
      "for boards with TFLite Micro built in whether all ops are among its 9",
  },
  args: {
    model: { type: "positional", required: true, description: "the int8 .tflite file" },
    board: {
      type: "string",
      default: "all",
      description: "board id or name (puckjs, 'Bangle.js 2', ...) or 'all'",
    },
    json: { type: "boolean", description: "print the reports as JSON" },
    "board-file": { type: "string", description: "extra board record(s), comma-separated JSON files" },
    runtime: {
      type: "string",
      description: `runtime bundle to count (default: the per-model bundle edgeq flash uploads; the full one is ${DEFAULT_RUNTIME})`,
    },
    engine: {
      type: "string",
      default: "edgeq",
      description:
        "'edgeq' (the JS core) or 'native' (the core + the native add-on on boards whose arch is ARMv7E-M: its bytes counted, native latency estimated)",
    },
    native: { type: "string", description: `native add-on file (default ${NATIVE_ADDON_FILE})` },
  },
  async run({ args }) {
    const model = loadModel(String(args.model));
    // a per-model bundle (what edgeq flash uploads) unless --runtime names one; a model the runtime
    // cannot run still gets its Storage figures, counted with the full bundle
    let runtime: Uint8Array;
    let runtimeSource: string;
    try {
      const r = await runtimeFor(
        model.bytes,
        args.runtime ? String(args.runtime) : undefined,
        readRuntime,
        model.path,
      );
      runtime = r.bytes;
      runtimeSource = r.source;
    } catch (e) {
      if (!(e instanceof EdgeqError) || !e.code.startsWith("bundle/")) throw e;
      runtime = readRuntime();
      runtimeSource = `${DEFAULT_RUNTIME} (full bundle: ${e.message})`;
    }
    const files = args["board-file"] ? String(args["board-file"]).split(",").filter(Boolean) : [];
    const engine = String(args.engine);
    if (engine !== "edgeq" && engine !== "native")
      throw new EdgeqError("BAD_ARG", `--engine must be edgeq or native, not '${engine}'`);
    let native: { code: string; blobBytes: number } | undefined;
    if (engine === "native") {
      try {
        native = nativeAddon(args.native ? String(args.native) : undefined);
      } catch (e) {
        throw new EdgeqError("BAD_RUNTIME", (e as Error).message);
      }
    }
    const r = fitModel(model, runtime, String(args.board ?? "all"), files, native);
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ model: model.path, summary: r.summary, runtimeBytes: r.runtimeBytes, runtimeSource, boards: r.reports }, null, 2)}\n`,
      );
    } else {
      const lines = [
        `runtime: ${runtimeSource}`,
        formatFit(model.path, r.summary, r.reports, r.runtimeBytes),
      ];
      if (native) {
        lines.push(
          "",
          `native add-on: ${Buffer.byteLength(native.code)} B (machine code ${native.blobBytes} B)`,
        );
        for (const x of r.reports) {
          const n = x.native;
          if (!n) continue;
          lines.push(
            n.applies
              ? `  ${x.board.name}: native ${n.kernels.join(", ") || "(none of the model's ops)"}; latency ${(n.latencyMs ?? 0).toFixed(1)} ms (estimate; JS core ${x.latencyMs.toFixed(0)} ms); add-on counted in Storage and RAM (+${n.ramJsVars} JsVars)`
              : `  ${x.board.name}: no native add-on: ${n.reason}`,
          );
        }
        lines.push(`  ${NATIVE_RATE_NOTE}`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    // exit code 1 when a single named board does not fit (scripts can test it)
    if (args.board !== "all" && r.reports.every((x) => x.verdict === "too big")) process.exitCode = 1;
  },
});
