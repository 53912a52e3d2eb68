/**
 * Post-training quantization: float Graph + representative inputs -> int8 Graph (TFLite's
 * int8 scheme, see DESIGN.md "Numerics contract"). Steps: fold BN / fuse activations,
 * optional cross-layer equalisation, calibration, per-channel int8 weights, int32 biases,
 * int8 activations (int8 I/O, or float I/O wrapped in QUANTIZE / DEQUANTIZE).
 * Tensor names are kept: an int8 tensor has the name of the float tensor it represents.
 */
import { type CalibrationMethod, calibrate, type LayerCalibration, type Range } from "../calibrate/index.js";
import { EdgeqError } from "../errors.js";
import type { Graph, QuantParams, Tensor } from "../ir/types.js";
import { biasCorrection, correctInt8Biases } from "./biascorr.js";
import { type EqualizePair, equalize } from "./equalize.js";
import { activationParams, isUnitRange, roundAway, UNIT_INPUT } from "./params.js";
import { compact, optimizeFloat, type RewriteStats } from "./rewrite.js";
import { type LayerWeightReport, quantizeConstants } from "./weights.js";

export type { CalibrationMethod, LayerCalibration } from "../calibrate/index.js";
export type { EqualizePair } from "./equalize.js";
export { matchTensors, type WeightStats, weightStats } from "./stats.js";
export type { LayerWeightReport } from "./weights.js";

export interface QuantizeOptions {
  /**
   * Activation range method for every tensor. Default percentile (99.99): over seven DS-CNN
   * measurements (3 models, 2k and 10k test images) it agreed with float more often than
   * minmax (e.g. 99.47% vs 99.05% on the full-set model), at the cost of a second pass.
   */
  calibration?: CalibrationMethod;
  /** Percentile for the percentile method (default 99.99). */
  percentile?: number;
  /** Per-layer overrides of the calibration method, by tensor (layer) name. */
  layers?: Record<string, CalibrationMethod | LayerCalibration>;
  /** Quantize conv / depthwise weights per tensor instead of per channel (for comparison). */
  perTensor?: boolean;
  /** FULLY_CONNECTED weights per output channel (default per tensor, as old TFLite Micro needs). */
  perChannelDense?: boolean;
  /** Cross-layer equalisation of conv/depthwise pairs before quantization. */
  equalize?: boolean;
  /** Keep float32 input/output, wrapped in QUANTIZE / DEQUANTIZE. */
  floatIo?: boolean;
  /** Write the (implied) quantization params of conv/depthwise biases; default false (smaller file). */
  biasParams?: boolean;
  /** Keep calibrated min/max in the activations' quantization params; default false (smaller file). */
  keepRanges?: boolean;
  /**
   * Bias correction: "weights" (default; Nagel et al.'s empirical correction of the mean
   * shift from weight rounding), "full" (also the shift from upstream activation rounding,
   * measured on the int8 simulation layer by layer; slower), or false.
   */
  biasCorrection?: boolean | "weights" | "full";
  onWarning?(msg: string): void;
  onProgress?(done: number, total: number, phase: string): void;
}

export interface ActivationReport {
  name: string;
  range: Range | undefined;
  scale: number;
  zeroPoint: number;
}

export interface QuantizeReport {
  rewrites: RewriteStats;
  equalized: EqualizePair[];
  /** Bias correction per layer: the largest mean shift removed (float units). */
  biasCorrection: { name: string; maxShift: number }[];
  layers: LayerWeightReport[];
  activations: ActivationReport[];
  warnings: string[];
  /** The float graph after folding / fusion / equalisation: what the int8 graph approximates. */
  floatGraph: Graph;
}

/** Ops whose int8 outputs take their (data) input's params, as TensorFlow's converter gives them. */
const KEEPS_INPUT_PARAMS = new Set([
  "MAX_POOL_2D",
  "AVERAGE_POOL_2D",
  "RESHAPE",
  "PAD",
  "PADV2",
  "MEAN",
  "TRANSPOSE",
  "SQUEEZE",
  "EXPAND_DIMS",
  "STRIDED_SLICE",
  "RESIZE_NEAREST_NEIGHBOR",
  "UNPACK",
  "SPLIT",
]);

/**
 * Ops that compare or copy raw int8 values from several operands: every operand and the output
 * share one set of params (TFLite's int8 kernels require it; the converter's "same scales"
 * ops), from the union of the operands' ranges.
 */
const SHARES_PARAMS = new Set(["CONCATENATION", "PACK", "MAXIMUM", "MINIMUM"]);

/** Fixed int8 output params (TFLite's kernels require them): [scale, zero point, real min, max]. */
const FIXED_OUTPUT: Record<string, [number, number, number, number]> = {
  SOFTMAX: [1 / 256, -128, 0, 255 / 256],
  LOGISTIC: [1 / 256, -128, 0, 255 / 256],
  TANH: [1 / 128, 0, -1, 127 / 128],
};

/** Quantizes a float32 constant in place with given per-tensor params (a shared-params operand). */
function quantizeConstWith(t: Tensor, p: QuantParams): void {
  const d = t.data as Float32Array;
  t.data = Int8Array.from(d, (v) =>
    Math.max(-128, Math.min(127, roundAway(v / p.scale[0]!) + p.zeroPoint[0]!)),
  );
  t.dtype = "int8";
  t.quant = { ...p, scale: [...p.scale], zeroPoint: [...p.zeroPoint] };
}

/** Float range of a float32 constant (including 0). */
function constRange(t: Tensor): Range {
  let min = 0;
  let max = 0;
  for (const v of t.data as Float32Array) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { min, max };
}

/** quantize() plus a report of what was done (per-layer scales, warnings, rewrites). */
export function quantizeWithReport(
  g: Graph,
  calib: Float32Array[],
  opts: QuantizeOptions = {},
): { graph: Graph; report: QuantizeReport } {
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    opts.onWarning?.(m);
  };
  const bad = g.tensors.find((t) => (t.dtype === "int8" || t.dtype === "uint8") && !t.data);
  if (bad)
    throw new EdgeqError(
      "E_QUANT_INPUT",
      `tensor '${bad.name}' is already ${bad.dtype}; quantize a float model`,
      "quantize",
    );
  if (g.inputs.length !== 1)
    throw new EdgeqError(
      "E_QUANT_INPUTS",
      `the model has ${g.inputs.length} inputs; calibration feeds one input per sample, so quantize supports single-input models`,
      "quantize",
    );
  const { graph: f, stats } = optimizeFloat(g);
  for (const o of f.ops)
    if (o.type === "QUANTIZE" || o.type === "DEQUANTIZE")
      throw new EdgeqError("E_QUANT_INPUT", `the float model already contains ${o.type}`, "quantize");
  const equalized = opts.equalize ? equalize(f) : [];
  const ranges = calibrate(f, calib, {
    method: opts.calibration ?? "percentile",
    ...(opts.percentile ? { percentile: opts.percentile } : {}),
    ...(opts.layers ? { layers: opts.layers } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const q: Graph = {
    ...f,
    tensors: f.tensors.map((t): Tensor => ({ ...t, shape: [...t.shape] })),
    ops: f.ops.map((o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs] })),
    inputs: [...f.inputs],
    outputs: [...f.outputs],
    description: "edgeq int8",
    // Other producers' metadata (e.g. TF's min_runtime_version) describes the float model.
    metadata: (f.metadata ?? []).filter((m) => m.name.startsWith("edgeq.")),
  };
  const setAct = (ti: number, p: QuantParams): void => {
    const t = q.tensors[ti]!;
    t.dtype = "int8";
    t.quant = p;
  };
  const fromRange = (ti: number): QuantParams => {
    const r = ranges[ti];
    const name = q.tensors[ti]!.name;
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max))
      throw new EdgeqError("E_QUANT_RANGE", `no finite calibrated range for tensor '${name}'`, name);
    if (r.max - r.min < 1e-12) warn(`tensor '${name}' is constant (${r.min}) over the calibration set`);
    return activationParams(r.min, r.max);
  };
  for (const ti of q.inputs) {
    const r = ranges[ti]!;
    setAct(ti, isUnitRange(r.min, r.max) ? { ...UNIT_INPUT } : fromRange(ti));
  }
  const isFloatConst = (i: number) => {
    const t = i >= 0 ? q.tensors[i] : undefined;
    return !!t?.data && t.dtype === "float32";
  };
  // tensors whose params came from their own calibrated range and that one op reads: a
  // shared-params op may change them; any other input is requantized by an inserted QUANTIZE
  const calibrated = new Set<number>();
  const readers = new Array<number>(q.tensors.length).fill(0);
  for (const o of q.ops) for (const i of o.inputs) if (i >= 0) readers[i] = readers[i]! + 1;
  for (const i of q.outputs) readers[i] = readers[i]! + 1;
  for (let k = 0; k < q.ops.length; k++) {
    const o = q.ops[k]!;
    // int32 / int64 outputs (SHAPE and the shape arithmetic after it) stay as they are
    const outs = o.outputs.filter((ti) => q.tensors[ti]!.dtype === "float32");
    if (outs.length === 0) continue;
    const out = outs[0]!;
    const dataIn = o.type === "SPLIT" ? o.inputs[1]! : o.inputs[0]!;
    const inQ = q.tensors[dataIn]!.quant;
    const fixed = FIXED_OUTPUT[o.type];
    if (fixed) {
      const [scale, zp, mn, mx] = fixed;
      setAct(out, { scale: [scale], zeroPoint: [zp], axis: 0, min: [mn], max: [mx] });
    } else if (KEEPS_INPUT_PARAMS.has(o.type) && inQ) {
      for (const ti of outs) setAct(ti, { ...inQ, scale: [...inQ.scale], zeroPoint: [...inQ.zeroPoint] });
      // PADV2's padding value is stored with the input's params (TFLite requires equal params)
      if (o.type === "PADV2" && isFloatConst(o.inputs[2] ?? -1))
        quantizeConstWith(q.tensors[o.inputs[2]!]!, inQ);
    } else if (SHARES_PARAMS.has(o.type)) {
      let mn = 0;
      let mx = 0;
      for (const i of o.inputs) {
        const r = isFloatConst(i) ? constRange(q.tensors[i]!) : ranges[i];
        mn = Math.min(mn, r?.min ?? 0);
        mx = Math.max(mx, r?.max ?? 0);
      }
      const p = activationParams(mn, mx);
      setAct(out, p);
      const requantized = new Map<number, number>();
      o.inputs = o.inputs.map((i) => {
        if (i < 0) return i;
        if (isFloatConst(i)) {
          quantizeConstWith(q.tensors[i]!, p);
          return i;
        }
        const t = q.tensors[i]!;
        if (t.quant && t.quant.scale[0] === p.scale[0] && t.quant.zeroPoint[0] === p.zeroPoint[0]) return i;
        if (q.inputs.includes(i)) {
          warn(`${o.type.toLowerCase()} '${q.tensors[out]!.name}': input '${t.name}' changes params`);
          setAct(i, { ...p });
          return i;
        }
        if (calibrated.has(i) && readers[i] === 1) {
          setAct(i, { ...p });
          return i;
        }
        // int8 -> int8 QUANTIZE (TFLite's requantize) into the shared params
        let r = requantized.get(i);
        if (r === undefined) {
          q.tensors.push({
            name: `${t.name}/requantized`,
            shape: [...t.shape],
            dtype: "int8",
            quant: { ...p },
          });
          r = q.tensors.length - 1;
          requantized.set(i, r);
          q.ops.splice(k, 0, { type: "QUANTIZE", inputs: [i], outputs: [r], options: {} });
          k++;
        }
        return r;
      });
    } else
      for (const ti of outs) {
        setAct(ti, fromRange(ti));
        calibrated.add(ti);
      }
  }
  let corrected: { name: string; maxShift: number }[] = [];
  if (opts.biasCorrection !== false) {
    const n = Math.min(calib.length, 128);
    const sub = Array.from({ length: n }, (_, i) => calib[Math.floor((i * calib.length) / n)]!);
    const bc = biasCorrection(f, sub, (o) =>
      o.type === "FULLY_CONNECTED" ? !!opts.perChannelDense : !opts.perTensor,
    );
    for (const [bi, b] of bc.bias) q.tensors[bi] = { ...q.tensors[bi]!, data: b };
    corrected = bc.shifts;
  }
  const layers = quantizeConstants(q, f, {
    perTensor: !!opts.perTensor,
    perChannelDense: !!opts.perChannelDense,
    biasParams: !!opts.biasParams,
    warn,
  });
  if (opts.biasCorrection === "full") {
    const n = Math.min(calib.length, 64);
    const sub = Array.from({ length: n }, (_, i) => calib[Math.floor((i * calib.length) / n)]!);
    corrected = correctInt8Biases(q, f, sub);
  }
  if (opts.floatIo) wrapFloatIo(q);
  compact(q);
  const activations = [...new Set([...q.inputs, ...q.ops.flatMap((o) => o.outputs)])]
    .map((ti) => q.tensors[ti]!)
    .filter((t) => t.dtype === "int8")
    .map((t) => {
      const fi = f.tensors.findIndex((x) => x.name === t.name);
      return {
        name: t.name,
        range: ranges[fi],
        scale: t.quant!.scale[0]!,
        zeroPoint: t.quant!.zeroPoint[0]!,
      };
    });
  if (!opts.keepRanges)
    for (const t of q.tensors)
      if (t.quant && !t.data) {
        delete t.quant.min;
        delete t.quant.max;
      }
  return {
    graph: q,
    report: {
      rewrites: stats,
      equalized,
      biasCorrection: corrected,
      layers,
      activations,
      warnings,
      floatGraph: f,
    },
  };
}

/** Float graph + representative inputs (one Float32Array per sample) -> int8 graph. */
export function quantize(g: Graph, calib: Float32Array[], opts: QuantizeOptions = {}): Graph {
  return quantizeWithReport(g, calib, opts).graph;
}

/** Float32 graph inputs/outputs around the int8 model: in -> QUANTIZE -> ..., ... -> DEQUANTIZE -> out. */
function wrapFloatIo(q: Graph): void {
  const wrap = (ti: number): number => {
    const t = q.tensors[ti]!;
    q.tensors.push({ name: `${t.name}/f`, shape: [...t.shape], dtype: "float32" });
    return q.tensors.length - 1;
  };
  q.inputs = q.inputs.map((ti) => {
    const f = wrap(ti);
    q.ops.unshift({ type: "QUANTIZE", inputs: [f], outputs: [ti], options: {} });
    return f;
  });
  q.outputs = q.outputs.map((ti) => {
    const f = wrap(ti);
    q.ops.push({ type: "DEQUANTIZE", inputs: [ti], outputs: [f], options: {} });
    return f;
  });
}
