/**
 * One-line findings about the weights, shown under the summary: which weight tensors lose
 * channels and why (per-tensor collapse, near-zero, clipped). Plain text, model names inside:
 * the renderers escape them.
 */
import type { ReportData } from "./types.js";

/** Mean of the finite dB values, one decimal ("n/a" when none). */
export function meanDb(v: number[]): string {
  const f = v.filter((x) => Number.isFinite(x));
  return f.length ? (f.reduce((a, b) => a + b, 0) / f.length).toFixed(1) : "n/a";
}

export function weightFindings(r: ReportData): string[] {
  const out: string[] = [];
  for (const w of r.weights) {
    const { nearZero, collapsed, clipped } = w.flagged;
    const n = w.channels.length;
    if (collapsed > 0 && w.modelPerChannel === false)
      out.push(
        `${w.name}: this model quantizes it per-tensor and ${collapsed} of ${n} channels get fewer than 8 int8 steps ` +
          `(mean channel weight SQNR ${meanDb(w.channels.map((c) => c.ptSqnrDb))} dB; per-channel would give ` +
          `${meanDb(w.channels.map((c) => c.pcSqnrDb))} dB).`,
      );
    else if (collapsed > 0)
      out.push(
        `${w.name}: ${collapsed} of ${n} channels would collapse under per-tensor quantization; per-channel scales keep them.`,
      );
    if (nearZero > 0) out.push(`${w.name}: ${nearZero} of ${n} channels have (near) zero range.`);
    if (clipped > 0)
      out.push(`${w.name}: ${clipped} of ${n} channels have weights clipped by the model's scale.`);
  }
  return out;
}

/**
 * Likely causes of the drift jump, from what the report measured at that layer: its weights
 * (per-tensor collapse, clipping), its output saturating at 127 (activation range too narrow),
 * output channels that are mostly noise (range far below the tensor's), or else error growing
 * in the op itself.
 */
export function jumpCauses(r: ReportData): string[] {
  const row = r.layers.find((l) => l.jump);
  if (!row) return [];
  const out: string[] = [];
  const w = r.weights.find((x) => x.opIndex === row.index);
  if (w && w.modelPerChannel === false && w.flagged.collapsed > 0)
    out.push(
      `its weights ${w.name} are quantized per-tensor and ${w.flagged.collapsed} of ${w.channels.length} channels collapse to fewer than 8 int8 steps: quantize them per-channel`,
    );
  if (w && w.flagged.clipped > 0)
    out.push(`${w.flagged.clipped} weight channels of ${w.name} are clipped by the model's scale`);
  if ((row.sat_high ?? 0) > 0.01)
    out.push(
      `${((row.sat_high ?? 0) * 100).toFixed(1)}% of its int8 outputs sit at 127: the calibrated activation range is too narrow (more calibration data, or --calibration percentile / mse)`,
    );
  if (row.channel_sqnr_min_db !== null && row.channel_sqnr_min_db < 10)
    out.push(
      `some output channels are mostly noise (worst channel ${row.channel_sqnr_min_db.toFixed(1)} dB): their values span few steps of the shared output scale`,
    );
  if (!out.length)
    out.push(
      `the error grows inside the op itself (RMSE ${row.rmse_over_scale?.toFixed(2) ?? "n/a"} output steps; rounding alone gives 0.29)`,
    );
  return out;
}
