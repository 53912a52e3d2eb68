/** Text rendering of fit reports (the --json form is the FitReport objects themselves). */
import type { ModelSummary } from "./estimate.js";
import type { FitReport } from "./fit.js";
import { ASSUMED_M4F_LOOP_MACS_PER_SEC, loadRates, ratesSource } from "./rates.js";

/** Joins items with ", " into lines of at most ~110 characters, indented by 4. */
function wrap(items: string[]): string[] {
  const out: string[] = [];
  let line = "";
  for (const it of items) {
    if (line && line.length + it.length + 2 > 110) {
      out.push(`    ${line},`);
      line = it;
    } else line = line ? `${line}, ${it}` : it;
  }
  if (line) out.push(`    ${line}`);
  return out;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function pad(cells: string[][]): string[] {
  const w = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "));
}

export function formatFit(
  model: string,
  s: ModelSummary,
  reports: FitReport[],
  runtimeBytes: number,
): string {
  const lines: string[] = [];
  lines.push(
    `${model}: ${s.modelBytes} B, ${s.ops.length} ops (${s.opTypes.join(", ")}), ${s.totalMacs} MACs, arena ${s.arenaBytes} B (${s.arenaSource === "runtime" ? "from the runtime's planner" : "estimated: largest set of live activations"}), runtime bundle ${runtimeBytes} B`,
  );
  lines.push("");
  const rows: string[][] = [
    [
      "board",
      "verdict",
      "Storage need/have",
      "upload",
      "JsVars need/have",
      "RAM",
      "latency (est.)",
      "TFLM ops",
    ],
  ];
  for (const r of reports) {
    rows.push([
      r.board.name,
      r.verdict,
      `${kb(r.flash.need)} / ${kb(r.flash.available)} ${r.flash.verdict === "too big" ? "(too big)" : ""}`.trim(),
      r.flash.staging === "ram" ? "RAM-staged" : `peak ${kb(r.flash.peakDuringUpload)}`,
      `${r.ram.totalJsVars} / ${r.ram.availableJsVars} ${r.ram.verdict === "too big" ? "(too big)" : ""}`.trim(),
      kb(r.ram.totalBytes),
      fmtMs(r.latencyMs) + (r.latencyTflmMs !== undefined ? ` (tflm ${fmtMs(r.latencyTflmMs)})` : ""),
      r.tflm ? (r.tflm.ok ? "all 9-op" : `no: ${r.tflm.unsupported.join(",")}`) : "-",
    ]);
  }
  lines.push(...pad(rows));
  const why = reports.filter((r) => r.reasons.length > 0);
  if (why.length > 0) {
    lines.push("");
    for (const r of why) for (const x of r.reasons) lines.push(`${r.board.name} ${r.verdict}: ${x}`);
  }
  lines.push("");
  lines.push(
    "verdict: 'fits' leaves >= 10% of Storage and JsVars free, 'tight' fits with less, 'too big' does not fit.",
    "Storage need = the files (32-byte header each, padded to 4). Upload: each file is written under a temporary",
    "  name and CRC-checked before it replaces the old one, so the peak is max(2 x runtime, runtime + 2 x model,",
    "  runtime + model + 2 x labels); where that peak does not fit but the files do, the new file waits in RAM",
    "  instead (RAM-staged); if neither works, the need shown is the peak.",
    "RAM (JsVars) = arena + activation views + weights (model copied into RAM where Storage is not memory-mapped)",
    "  + per-channel parameters + runtime objects (+ runtime code where not memory-mapped) + 150 firmware baseline.",
    "Latency is an ESTIMATE, scaled from measurements of the real Espruino interpreter on its Linux build: per op type",
    "  a cost per call, per output element and per MAC (boards/rates.json), times a factor for the board's clock and core;",
    `  ${ratesSource(loadRates())};`,
    `  board ms = Linux ms x (Linux JS loop ${Math.round(loadRates().jsLoopMacsPerSec)} MAC/s / ${ASSUMED_M4F_LOOP_MACS_PER_SEC} MAC/s assumed for a 64 MHz Cortex-M4F)`,
    "  x 64 / board MHz / core factor (assumed per architecture, boards/rates.ts); the factor per board:",
    ...wrap(reports.map((r) => `${r.board.name} x${r.ratesFactor.toFixed(1)}`)),
  );
  return lines.join("\n");
}
