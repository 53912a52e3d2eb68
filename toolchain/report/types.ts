/** The report's data, built by collect.ts and drawn by the renderers. */
import type { Graph } from "../ir/types.js";
import type { WeightReport } from "./channels.js";
import type { Histogram } from "./classify.js";
import type { LayerMetrics } from "./metrics.js";

/** Float model: all tensor values by tensor index for one input. */
export interface FloatEngine {
  graph: Graph;
  run(x: Float32Array): (Float32Array | undefined)[];
}

/** int8 model: runs one float input (quantized as its input tensor says). */
export interface Int8Engine {
  graph: Graph;
  /**
   * After op k has run, onOp(k, read) is called; read(t) gives tensor t's current contents
   * (valid only during the call: copy what you keep). Returns the raw output tensors.
   */
  run(
    x: Float32Array,
    onOp: (op: number, read: (t: number) => ArrayLike<number>) => void,
  ): ArrayLike<number>[];
}

export interface LayerRow extends LayerMetrics {
  /** int8 op index, or -1 for the model input's quantization. */
  index: number;
  /** Output tensor name in the int8 model (from the file: escape before display). */
  name: string;
  op: string;
  shape: number[];
  scale: number | null;
  zero_point: number | null;
  /** How the float tensor was found (name, structure, input, dequantize) or "none". */
  matched_by: string;
  float_tensor: string | null;
  /** SQNR drop (dB) vs this layer's input, both capped at SQNR_CLEAN_DB. */
  drop_db: number | null;
  jump: boolean;
  /** false when no float tensor matched (metrics are then NaN). */
  compared: boolean;
  /** Mean over output channels of the per-channel SQNR (dB), capped; null if not 4-D. */
  channel_sqnr_min_db: number | null;
}

export interface Disagreement {
  index: number;
  label: number | null;
  floatPred: number;
  int8Pred: number;
  floatScore: number;
  int8Score: number;
  maxDiff: number;
  /** Input image (h, w, c), for a thumbnail; undefined when not image-like. */
  image?: { data: Float32Array; h: number; w: number; c: number };
}

export interface FeatureMap {
  layer: string;
  op: string;
  h: number;
  w: number;
  channels: { c: number; float: Float32Array; int8: Float32Array }[];
}

/** One row of the sensitivity section: the model with only this layer int8. */
export interface SensitivityRow {
  rank: number;
  name: string;
  op: string;
  sqnr_db: number;
  drop_pp: number | null;
  /** Top-1 agreement with float, fraction in [0, 1]. */
  agreement: number;
}

/** The "what was applied" table: a recipe's budget-search steps. */
export interface AppliedRecipe {
  path: string;
  options: string;
  steps: { fix: string; detail: string; result: string; gain: string; kept: boolean }[];
}

export interface ReportData {
  meta: {
    floatPath: string;
    int8Path: string;
    dataPath: string;
    samples: number;
    created: string;
    seconds: number;
    /** Which int8 engine ran: "runtime" (edgeq's integer runtime) or "simulate" (fake quant). */
    engine: string;
    floatDescription: string | null;
    int8Description: string | null;
  };
  labels: string[];
  float: { top1: number | null; perClass: (number | null)[]; confusion: number[][] };
  int8: { top1: number | null; perClass: (number | null)[]; confusion: number[][] };
  agreement: number | null;
  /** float top-1 minus int8 top-1 in percentage points (null without labels). */
  drop_pp: number | null;
  output: { metrics: LayerMetrics; diff: Histogram };
  disagreements: Disagreement[];
  layers: LayerRow[];
  jump: { index: number; name: string; drop_db: number } | null;
  jumpRule: string;
  weights: WeightReport[];
  featureMaps: FeatureMap[];
  featureSample: number;
  /** Per-layer sensitivity, ranked (report --sensitivity). */
  sensitivity?: SensitivityRow[];
  /** What a quantization recipe applied (report --recipe). */
  applied?: AppliedRecipe;
}
