/**
 * One-line findings about the weights, shown under the summary: which weight tensors lose
 * channels and why (per-tensor collapse, near-zero, clipped). Plain text, model names inside:
 * the renderers escape them.
 */
import type { ReportData } from "./types.js";

export function weightFindings(r: ReportData): string[] {
  const out: string[] = [];
  for (const w of r.weights) {
    const { nearZero, collapsed, clipped } = w.flagged;
    const n = w.channels.length;
    if (collapsed > 0 && w.modelPerChannel === false)
      out.push(
        `${w.name}: this model quantizes it per-tensor and ${collapsed} of ${n} channels get fewer than 8 int8 steps ` +
          `(weight SQNR ${w.modelSqnrDb?.toFixed(1)} dB; per-channel would give ${w.pcSqnrDb.toFixed(1)} dB).`,
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
