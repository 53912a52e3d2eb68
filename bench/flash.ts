/**
 * Upload speed through the simulated board's pty (socat + QuickJS): the same files (runtime
 * bundle + micro_speech model) with the line protocol (base64 lines, one ack per chunk) and
 * with the 2v25 packet protocol (binary DATA packets, ACK per packet), then one on-board check.
 * A pty has no baud limit, so this measures protocol overhead (bytes on the wire, round trips),
 * not a real UART; the wire bytes are reported so real-link times can be derived from them.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_RUNTIME } from "../boards/check.js";
import { loadBoards } from "../boards/index.js";
import { SimBoard } from "../test/sim/board.js";
import { flash } from "../toolchain/flash/flash.js";
import type { BenchResult } from "./run.js";

export default async function bench(): Promise<BenchResult> {
  const model = new Uint8Array(
    readFileSync(new URL("../../shared/reference-models/micro_speech_quantized.tflite", import.meta.url)),
  );
  const input = new Uint8Array(
    readFileSync(new URL("../../shared/reference-models/yes_micro_features_int8.raw", import.meta.url)),
  );
  const runtime = new Uint8Array(readFileSync(DEFAULT_RUNTIME));
  const boards = loadBoards();
  const rows: { mode: string; ms: number; wire: number; identical: boolean }[] = [];
  for (const mode of ["off", "on"] as const) {
    const sim = await SimBoard.start({
      env: { BOARD: "ESPRUINOWIFI", VERSION: "2v25" },
      storageBytes: 65536,
      memoryBytes: 256 * 1024,
    });
    try {
      const t0 = performance.now();
      const r = await flash({
        port: sim.hostPath,
        baud: 921600,
        boards,
        model,
        runtime,
        packets: mode,
        check: input,
      });
      rows.push({
        mode: mode === "on" ? "packets" : "lines",
        ms: performance.now() - t0,
        wire: sim.stats.received,
        identical: r.check?.identical === true,
      });
    } finally {
      await sim.stop();
    }
  }
  const payload = runtime.length + model.length;
  const lines = rows.map(
    (r) =>
      `${r.mode.padEnd(8)} ${r.ms.toFixed(0).padStart(6)} ms  ${r.wire} bytes on the wire for ${payload} payload bytes (${(r.wire / payload).toFixed(2)}x), at 115200 baud ~${((r.wire * 10) / 115200).toFixed(1)} s; on-board check identical: ${r.identical}`,
  );
  const [l, p] = rows;
  if (l && p)
    lines.push(
      `packets vs lines: ${(l.wire / p.wire).toFixed(2)}x fewer bytes on the wire, ${(l.ms / p.ms).toFixed(2)}x faster through the pty`,
    );
  return { name: "flash", lines, data: { payload, rows } };
}
