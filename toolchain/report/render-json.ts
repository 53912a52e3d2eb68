/**
 * report.json, for CI. Top level: {meta, float: {top1, per_class}, int8: {top1, per_class},
 * agreement, drop_pp, jump, jump_rule, output, layers: [{index, name, op, sqnr_db, cosine,
 * mean_error, mae, max_abs, rmse, rmse_over_scale, saturated, ...}], weights: [...]}.
 * JSON has no Infinity/NaN: those become null; `exact: true` marks a layer whose int8 output
 * equals the float one (SQNR +Infinity), `compared: false` one with no float counterpart.
 * Accuracies and shares are fractions in [0, 1]; drop_pp is in percentage points.
 */
import { budgetJsonPart } from "./budget.js";
import type { ReportData } from "./types.js";

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

function meanFinite(v: number[]): number | null {
  const f = v.filter((x) => Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
}

export function reportJson(r: ReportData): unknown {
  return {
    meta: {
      float: r.meta.floatPath,
      int8: r.meta.int8Path,
      data: r.meta.dataPath,
      samples: r.meta.samples,
      created: r.meta.created,
      seconds: r.meta.seconds,
      engine: r.meta.engine,
    },
    labels: r.labels,
    float: { top1: r.float.top1, per_class: r.float.perClass, confusion: r.float.confusion },
    int8: { top1: r.int8.top1, per_class: r.int8.perClass, confusion: r.int8.confusion },
    agreement: r.agreement,
    drop_pp: r.drop_pp,
    jump: r.jump,
    jump_rule: r.jumpRule,
    output: {
      sqnr_db: finite(r.output.metrics.sqnr_db),
      cosine: finite(r.output.metrics.cosine),
      mae: r.output.metrics.mae,
      max_abs: r.output.metrics.max_abs,
      diff_histogram: r.output.diff,
    },
    disagreements: r.disagreements.map(({ image: _image, ...d }) => d),
    layers: r.layers.map((l) => ({
      index: l.index,
      name: l.name,
      op: l.op,
      shape: l.shape,
      compared: l.compared,
      matched_by: l.matched_by,
      float_tensor: l.float_tensor,
      exact: l.sqnr_db === Number.POSITIVE_INFINITY,
      sqnr_db: finite(l.sqnr_db),
      cosine: finite(l.cosine),
      mean_error: finite(l.mean_error),
      mae: finite(l.mae),
      max_abs: finite(l.max_abs),
      rmse: finite(l.rmse),
      rmse_over_scale: finite(l.rmse_over_scale),
      saturated: l.saturated,
      sat_low: l.sat_low,
      sat_high: l.sat_high,
      scale: l.scale,
      zero_point: l.zero_point,
      channel_sqnr_min_db: finite(l.channel_sqnr_min_db),
      drop_db: finite(l.drop_db),
      jump: l.jump,
    })),
    weights: r.weights.map((w) => ({
      name: w.name,
      op: w.op,
      shape: w.shape,
      axis: w.axis,
      per_tensor_scale: w.ptScale,
      sqnr_db_per_channel: finite(w.pcSqnrDb),
      sqnr_db_per_tensor: finite(w.ptSqnrDb),
      sqnr_db_model: finite(w.modelSqnrDb),
      mean_channel_sqnr_db_per_channel: meanFinite(w.channels.map((c) => c.pcSqnrDb)),
      mean_channel_sqnr_db_per_tensor: meanFinite(w.channels.map((c) => c.ptSqnrDb)),
      model_per_channel: w.modelPerChannel,
      flagged: w.flagged,
      channels: w.channels.map((c) => ({
        channel: c.channel,
        min: c.min,
        max: c.max,
        scale_per_channel: c.pcScale,
        rmse_per_channel: c.pcRmse,
        rmse_per_tensor: c.ptRmse,
        levels_per_tensor: c.ptLevels,
        scale_model: c.modelScale,
        rmse_model: c.modelRmse,
        clipped: c.clipped,
        flags: c.flags,
      })),
    })),
    ...budgetJsonPart(r),
  };
}

export function renderJson(r: ReportData): string {
  return `${JSON.stringify(reportJson(r), (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
