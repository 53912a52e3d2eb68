/**
 * Calibration: runs a representative set through the float executor and chooses a float
 * range per activation tensor with minmax, percentile or mse, per model or per layer.
 * minmax needs one pass; percentile/mse add a second pass that fills histograms over the
 * observed [min, max].
 */
import { EdgeqError } from "../errors.js";
import { runFloat } from "../exec/float.js";
import type { Graph } from "../ir/types.js";
import {
  addToHistogram,
  type Histogram,
  mseRange,
  newHistogram,
  percentileRange,
  type Range,
} from "./ranges.js";

export type { Range } from "./ranges.js";
export { mseRange, percentileRange, quantMse } from "./ranges.js";

export type CalibrationMethod = "minmax" | "percentile" | "mse";
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ["minmax", "percentile", "mse"];

export interface LayerCalibration {
  method: CalibrationMethod;
  /** For percentile: e.g. 99.99 (default). */
  percentile?: number;
}

export interface CalibrateOptions {
  method?: CalibrationMethod;
  percentile?: number;
  /** Per-tensor overrides by tensor name (an op's output tensor carries its layer name). */
  layers?: Record<string, CalibrationMethod | LayerCalibration>;
  /** Histogram bins for percentile / mse (default 2048). */
  bins?: number;
  onProgress?(done: number, total: number, phase: string): void;
}

/** The activation tensors (graph inputs and op outputs), by tensor index. */
export function activationTensors(g: Graph): number[] {
  const s = new Set<number>(g.inputs);
  for (const o of g.ops) for (const t of o.outputs) s.add(t);
  return [...s].sort((a, b) => a - b);
}

function methodFor(name: string, opts: CalibrateOptions): LayerCalibration {
  const o = opts.layers?.[name];
  const base: LayerCalibration = { method: opts.method ?? "minmax", percentile: opts.percentile ?? 99.99 };
  if (!o) return base;
  if (typeof o === "string") return { ...base, method: o };
  return { ...base, ...o };
}

/** Float ranges per tensor index (undefined for constants). */
export function calibrate(
  g: Graph,
  samples: Float32Array[],
  opts: CalibrateOptions = {},
): (Range | undefined)[] {
  if (samples.length === 0)
    throw new EdgeqError(
      "E_CALIB_EMPTY",
      "calibration needs at least one sample; pass --calib with data",
      "calibrate",
    );
  for (const name of Object.keys(opts.layers ?? {}))
    if (!g.tensors.some((t) => t.name === name))
      throw new EdgeqError(
        "E_CALIB_LAYER",
        `per-layer calibration names tensor '${name}', which the model does not have; use one of: ${activationTensors(
          g,
        )
          .map((i) => g.tensors[i]!.name)
          .join(", ")}`,
        "calibrate",
      );
  const acts = activationTensors(g);
  const how = acts.map((i) => methodFor(g.tensors[i]!.name, opts));
  const needHist = how.some((h) => h.method !== "minmax");
  const total = samples.length * (needHist ? 2 : 1);
  const mins = acts.map(() => Number.POSITIVE_INFINITY);
  const maxs = acts.map(() => Number.NEGATIVE_INFINITY);
  samples.forEach((x, k) => {
    const { values } = runFloat(g, [x]);
    acts.forEach((t, j) => {
      const v = values[t]!;
      let mn = mins[j]!;
      let mx = maxs[j]!;
      for (let i = 0; i < v.length; i++) {
        const e = v[i]!;
        if (e < mn) mn = e;
        if (e > mx) mx = e;
      }
      mins[j] = mn;
      maxs[j] = mx;
    });
    opts.onProgress?.(k + 1, total, "minmax");
  });
  const ranges: (Range | undefined)[] = new Array(g.tensors.length).fill(undefined);
  if (!needHist) {
    acts.forEach((t, j) => {
      ranges[t] = { min: mins[j]!, max: maxs[j]! };
    });
    return ranges;
  }
  const bins = opts.bins ?? 2048;
  const hists: (Histogram | undefined)[] = acts.map((_, j) =>
    how[j]!.method === "minmax" ? undefined : newHistogram(mins[j]!, maxs[j]!, bins),
  );
  samples.forEach((x, k) => {
    const { values } = runFloat(g, [x]);
    acts.forEach((t, j) => {
      const h = hists[j];
      if (h) addToHistogram(h, values[t]!);
    });
    opts.onProgress?.(samples.length + k + 1, total, "histogram");
  });
  acts.forEach((t, j) => {
    const h = hists[j];
    const m = how[j]!;
    if (!h) ranges[t] = { min: mins[j]!, max: maxs[j]! };
    else if (m.method === "percentile") ranges[t] = percentileRange(h, m.percentile ?? 99.99);
    else ranges[t] = mseRange(h);
  });
  return ranges;
}
