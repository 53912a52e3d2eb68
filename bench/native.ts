/**
 * `npm run bench -- native`: under qemu-arm, in the real Espruino interpreter built for ARM
 * (../shared/espruino/espruino-arm), ms per inference of edgeq's JS core alone, the core with the
 * native add-on (Thumb-2 kernels through E.nativeCall), and the interpreter's built-in TensorFlow
 * Lite Micro (require("tensorflow")), on micro_speech and the demo-shaped DS-CNN (both within
 * TFLite Micro's 9 ops), as ratios from one run; plus where the native run's time goes, per op.
 * Emulated ARM on a shared machine: compare the ratios, not the ms.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { refDir } from "../test/helpers/refmodels.js";
import { haveQemu, runEspruino } from "../test/native/espruino.js";
import { demoDsCnn, int8Input } from "../test/native/models.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import type { BenchResult } from "./run.js";

export default async function (): Promise<BenchResult> {
  if (!haveQemu())
    return { name: "native", lines: ["qemu-arm or ../shared/espruino/espruino-arm missing"], data: {} };
  const models = [
    {
      name: "micro_speech",
      bytes: new Uint8Array(readFileSync(resolve(refDir, "micro_speech_quantized.tflite"))),
      inputs: [new Int8Array(readFileSync(resolve(refDir, "yes_micro_features_int8.raw")))],
      tflmArena: 20000,
    },
    {
      name: "demo DS-CNN 28x28x1",
      bytes: writeTflite(demoDsCnn(1)),
      inputs: [int8Input(784, 100)],
      tflmArena: 40000,
    },
  ];
  const nat = await runEspruino(models, { repeat: 5, tflm: true, perOp: true, timeoutMs: 600000 });
  const core = await runEspruino(models, { native: false, repeat: 1, timeoutMs: 1200000 });
  const lines: string[] = [];
  const data: Record<string, unknown> = {};
  if (nat.crashed || core.crashed) lines.push(`interpreter failed: ${nat.crashed || core.crashed}`);
  models.forEach((m, i) => {
    const n = nat.results[i];
    const c = core.results[i];
    if (!n?.ms || !c?.ms || !n.tflmMs) {
      lines.push(`${m.name}: no timing (${n?.error ?? c?.error ?? "?"})`);
      return;
    }
    const same = JSON.stringify(n.outputs?.[0]) === JSON.stringify(c.outputs?.[0]);
    const tflmSame = JSON.stringify(n.tflm) === JSON.stringify(n.outputs?.[0]);
    lines.push(
      `${m.name}: JS core ${c.ms.toFixed(0)} ms, core + native ${n.ms.toFixed(1)} ms (${n.taken} ops native), ` +
        `built-in TFLite Micro ${n.tflmMs.toFixed(1)} ms | native / TFLM ${(n.ms / n.tflmMs).toFixed(2)}x, ` +
        `JS core / native ${(c.ms / n.ms).toFixed(0)}x | outputs: native ${same ? "=" : "!="} core, ${tflmSame ? "=" : "!="} TFLM`,
    );
    lines.push(`  native run per op (ms): ${(n.opMs ?? []).join(", ")}`);
    data[m.name] = {
      coreMs: c.ms,
      nativeMs: n.ms,
      tflmMs: n.tflmMs,
      nativeOverTflm: n.ms / n.tflmMs,
      coreOverNative: c.ms / n.ms,
      opMs: n.opMs,
      identical: same,
    };
  });
  return { name: "native", lines, data };
}
