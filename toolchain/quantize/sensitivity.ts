/**
 * Accuracy measurements for quantize-to-a-budget: whole-model metrics of an int8 graph (run by
 * edgeq's integer runtime, the code the boards run; the float executor's fake-quant simulation
 * when the runtime is not there), and per-layer sensitivity: one layer int8 (its weights,
 * bias and output grid taken from the int8 graph), every other layer float, run by the float
 * executor. Ranked by the model output's SQNR against float.
 */
import { constValue, runFloat } from "../exec/float.js";
import type { Graph, QuantParams, Tensor } from "../ir/types.js";
import { withBiasQuant } from "../report/engines.js";
import { dequantize, quantizeInt8, sqnrFromSums } from "../report/metrics.js";
import { importRuntime, type RuntimeModel } from "../report/runtime.js";
import { writeTflite } from "../tflite/write.js";

/** Evaluation inputs (real values, as the float model takes them) and optional labels. */
export interface EvalSet {
  x: Float32Array[];
  y?: Int32Array;
}

/** What the float model gives on the evaluation set. */
export interface FloatReference {
  outputs: Float32Array[];
  pred: number[];
  /** Top-1 accuracy in [0, 1]; null without labels. */
  accuracy: number | null;
}

export interface Metrics {
  /** Top-1 accuracy in [0, 1] (null without labels). */
  accuracy: number | null;
  /** Float top-1 minus this top-1, in percentage points (null without labels). */
  dropPp: number | null;
  /** Top-1 agreement with the float model, in percent. */
  agreement: number;
  /** Output SQNR against the float model's output, dB (capped at 99). */
  sqnrDb: number;
}

export interface LayerSensitivity {
  /** The layer's output tensor name. */
  name: string;
  op: string;
  /** Metrics of the model with only this layer int8. */
  metrics: Metrics;
}

const SQNR_CAP = 99;

export function argmax(a: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
}

export function floatReference(f: Graph, set: EvalSet): FloatReference {
  const outputs = set.x.map((x) => runFloat(f, [x]).outputs[0]!);
  const pred = outputs.map(argmax);
  const y = set.y;
  return {
    outputs,
    pred,
    accuracy: y ? pred.filter((p, i) => p === y[i]).length / Math.max(1, pred.length) : null,
  };
}

/** Metrics of model outputs (real values, one per evaluation input) against the float reference. */
export function score(ref: FloatReference, set: EvalSet, outs: ArrayLike<number>[]): Metrics {
  let s2 = 0;
  let n2 = 0;
  let agree = 0;
  let correct = 0;
  outs.forEach((o, i) => {
    const r = ref.outputs[i]!;
    for (let k = 0; k < r.length; k++) {
      const d = r[k]! - o[k]!;
      s2 += r[k]! * r[k]!;
      n2 += d * d;
    }
    const p = argmax(o);
    if (p === ref.pred[i]) agree++;
    if (set.y && p === set.y[i]) correct++;
  });
  const n = Math.max(1, outs.length);
  const accuracy = set.y ? correct / n : null;
  return {
    accuracy,
    dropPp: accuracy !== null && ref.accuracy !== null ? 100 * (ref.accuracy - accuracy) : null,
    agreement: (100 * agree) / n,
    sqnrDb: Math.min(SQNR_CAP, sqnrFromSums(s2, n2)),
  };
}

/** Runs int8 graphs on real inputs; returns the real-valued first output per input. */
export interface Int8Evaluator {
  engine: "runtime" | "simulate";
  run(q: Graph, xs: Float32Array[]): Float32Array[];
}

function realOutput(t: Tensor, y: ArrayLike<number>): Float32Array {
  const q = t.quant;
  if (t.dtype === "float32" || !q) return Float32Array.from(y);
  return dequantize(y, q.scale[0]!, q.zeroPoint[0] ?? 0);
}

/** edgeq's integer runtime when it can be imported, else the float executor's simulation. */
export async function int8Evaluator(prefer: "runtime" | "simulate" = "runtime"): Promise<Int8Evaluator> {
  const load = prefer === "runtime" ? await importRuntime() : undefined;
  if (!load)
    return {
      engine: "simulate",
      run(q, xs) {
        const g = withBiasQuant(q);
        return xs.map((x) => realOutput(q.tensors[q.outputs[0]!]!, runFloat(g, [x]).outputs[0]!));
      },
    };
  return {
    engine: "runtime",
    run(q, xs) {
      const m: RuntimeModel = load(writeTflite(q));
      const inT = q.tensors[q.inputs[0]!]!;
      const outT = q.tensors[q.outputs[0]!]!;
      const iq = inT.quant;
      return xs.map((x) => {
        const dst = m.input(0);
        const src = inT.dtype === "int8" && iq ? quantizeInt8(x, iq.scale[0]!, iq.zeroPoint[0] ?? 0) : x;
        for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
        m.invoke();
        return realOutput(outT, m.output(0));
      });
    },
  };
}

const WEIGHTED = new Set<string>(["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]);

/** The layers (op output names) of the float graph that are int8 in q, in graph order. */
export function quantizedLayers(f: Graph, q: Graph): { name: string; op: string }[] {
  const int8 = new Set(q.tensors.filter((t) => t.dtype === "int8" && !t.data).map((t) => t.name));
  return f.ops
    .map((o) => ({ name: f.tensors[o.outputs[0]!]!.name, op: o.type }))
    .filter((l) => int8.has(l.name));
}

/**
 * The float graph f with one layer int8: its weights and bias replaced by the int8 graph's
 * (dequantized) and its output fake-quantized with q's params (or `outQuant`).
 */
export function oneLayerInt8(f: Graph, q: Graph, name: string, outQuant?: QuantParams): Graph {
  const qb = withBiasQuant(q);
  const tensors = f.tensors.map((t) => ({ ...t }));
  const fo = f.ops.find((o) => f.tensors[o.outputs[0]!]!.name === name);
  const qo = qb.ops.find((o) => qb.tensors[o.outputs[0]!]!.name === name);
  if (!fo || !qo) return f;
  const outQ = outQuant ?? qb.tensors[qo.outputs[0]!]!.quant;
  if (WEIGHTED.has(fo.type) && WEIGHTED.has(qo.type)) {
    for (const k of [1, 2]) {
      const fi = fo.inputs[k] ?? -1;
      const qt = qb.tensors[qo.inputs[k] ?? -1];
      const v = qt ? constValue(qt) : undefined;
      if (fi >= 0 && v) {
        const { quant: _q, ...rest } = tensors[fi]!;
        tensors[fi] = { ...rest, dtype: "float32", data: v };
      }
    }
  }
  if (outQ) {
    const oi = fo.outputs[0]!;
    tensors[oi] = { ...tensors[oi]!, dtype: "int8", quant: outQ };
  }
  return { ...f, tensors };
}

/**
 * Sensitivity of every int8 layer (or those named): the model with only that layer int8,
 * the rest float; sorted worst first (lowest output SQNR, then lowest accuracy).
 */
export function layerSensitivity(
  f: Graph,
  q: Graph,
  set: EvalSet,
  ref: FloatReference,
  only?: string[],
): LayerSensitivity[] {
  const layers = quantizedLayers(f, q).filter((l) => !only || only.includes(l.name));
  const rows = layers.map((l) => {
    const h = oneLayerInt8(f, q, l.name);
    const outs = set.x.map((x) => runFloat(h, [x]).outputs[0]!);
    return { name: l.name, op: l.op, metrics: score(ref, set, outs) };
  });
  return rows.sort(
    (a, b) => a.metrics.sqnrDb - b.metrics.sqnrDb || (a.metrics.accuracy ?? 0) - (b.metrics.accuracy ?? 0),
  );
}
