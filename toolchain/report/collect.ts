/**
 * Runs the float and the int8 model on the same inputs and gathers everything the report
 * shows: model-level predictions, every int8 op output vs its float tensor, weight channels,
 * and one sample's first feature maps.
 */
import { getLabels } from "../ir/metadata.js";
import type { Tensor } from "../ir/types.js";
import { accuracy, agreement, argmax, confusion, histogram, perClassAccuracy } from "./classify.js";
import { findJump, JUMP_RULE } from "./drift.js";
import { matchLayers } from "./mapping.js";
import {
  accumulate,
  dequantize,
  finish,
  type LayerAcc,
  newAcc,
  quantizeInt8,
  sqnrFromSums,
} from "./metrics.js";
import type { Disagreement, FeatureMap, FloatEngine, Int8Engine, LayerRow, ReportData } from "./types.js";
import { weightReports } from "./weights.js";

export interface SampleSet {
  /** N inputs, each one flattened input tensor (real values as the float model expects). */
  x: Float32Array[];
  /** Labels, when known. */
  y?: Int32Array;
  labels?: string[];
  /** Input image shape [h, w, c] (for thumbnails), when image-like. */
  imageShape?: [number, number, number];
}

export interface CollectOptions {
  floatPath?: string;
  int8Path?: string;
  dataPath?: string;
  /** Name of the int8 engine, for the report. */
  engine?: string;
  /** Which sample's feature maps to show (default 0) and how many layers / channels. */
  featureSample?: number;
  featureLayers?: number;
  featureChannels?: number;
  /** How many most-disagreeing examples to keep (default 10). */
  topDisagreements?: number;
  onProgress?(done: number, total: number): void;
}

function scaleOf(t: Tensor | undefined): { scale: number | null; zp: number | null } {
  const q = t?.quant;
  if (q?.scale.length !== 1) return { scale: null, zp: null };
  return { scale: q.scale[0]!, zp: q.zeroPoint[0] ?? 0 };
}

/** Real values of a raw tensor read from the int8 engine (already real for float32 tensors). */
function realOf(t: Tensor, raw: ArrayLike<number>): { real: Float32Array; codes?: ArrayLike<number> } {
  const { scale, zp } = scaleOf(t);
  if (t.dtype === "float32" || scale === null) return { real: Float32Array.from(raw) };
  return { real: dequantize(raw, scale, zp ?? 0), codes: t.dtype === "int8" ? raw : undefined };
}

interface ChannelAcc {
  r2: Float64Array;
  e2: Float64Array;
}

function channelAccumulate(acc: ChannelAcc, r: Float32Array, q: Float32Array): void {
  const C = acc.r2.length;
  for (let i = 0; i < r.length; i++) {
    const c = i % C;
    const e = q[i]! - r[i]!;
    acc.r2[c] = acc.r2[c]! + r[i]! * r[i]!;
    acc.e2[c] = acc.e2[c]! + e * e;
  }
}

function channelMin(acc: ChannelAcc): number | null {
  let m = Number.POSITIVE_INFINITY;
  for (let c = 0; c < acc.r2.length; c++) {
    if (acc.r2[c] === 0) continue;
    m = Math.min(m, sqnrFromSums(acc.r2[c]!, acc.e2[c]!));
  }
  return Number.isFinite(m) ? m : m === Number.POSITIVE_INFINITY ? null : m;
}

function thumbOf(x: Float32Array, shape?: [number, number, number]): Disagreement["image"] {
  if (!shape) return undefined;
  const [h, w, c] = shape;
  if (h * w * c !== x.length || h < 2 || w < 2 || (c !== 1 && c !== 3)) return undefined;
  return { data: x, h, w, c };
}

export function collect(
  fe: FloatEngine,
  qe: Int8Engine,
  data: SampleSet,
  opts: CollectOptions = {},
): ReportData {
  const t0 = Date.now();
  const fg = fe.graph;
  const qg = qe.graph;
  const matches = matchLayers(fg, qg);
  const accs: LayerAcc[] = matches.map(() => newAcc());
  const chAccs: (ChannelAcc | undefined)[] = matches.map((m) => {
    const t = qg.tensors[qg.ops[m.op]!.outputs[0] ?? -1];
    const C = t?.shape[t.shape.length - 1] ?? 0;
    return m.floatTensor >= 0 && t && t.shape.length >= 2 && C > 1
      ? { r2: new Float64Array(C), e2: new Float64Array(C) }
      : undefined;
  });
  const qIn = qg.tensors[qg.inputs[0] ?? -1];
  const inputQuant = qIn && qIn.dtype !== "float32" ? scaleOf(qIn) : { scale: null, zp: null };
  const inputAcc = newAcc();
  const fOut = fg.outputs[0] ?? -1;
  const qOutT = qg.tensors[qg.outputs[0] ?? -1]!;
  const outAcc = newAcc();
  const N = data.x.length;
  const fPred = new Int32Array(N);
  const qPred = new Int32Array(N);
  const diffs: number[] = [];
  const perSample: Disagreement[] = [];
  const fs = Math.min(opts.featureSample ?? 0, Math.max(N - 1, 0));
  const featureLayers = opts.featureLayers ?? 3;
  const featureChannels = opts.featureChannels ?? 8;
  const featureMaps: FeatureMap[] = [];
  for (let s = 0; s < N; s++) {
    const x = data.x[s]!;
    const fv = fe.run(x);
    if (inputQuant.scale !== null) {
      const codes = quantizeInt8(x, inputQuant.scale, inputQuant.zp ?? 0);
      accumulate(inputAcc, x, dequantize(codes, inputQuant.scale, inputQuant.zp ?? 0), codes);
    }
    const rawOut = qe.run(x, (k, read) => {
      matches.forEach((m, li) => {
        if (m.op !== k || m.floatTensor < 0) return;
        const ref = fv[m.floatTensor];
        const ti = qg.ops[k]!.outputs[0]!;
        const t = qg.tensors[ti]!;
        if (!ref) return;
        const { real, codes } = realOf(t, read(ti));
        accumulate(accs[li]!, ref, real, codes);
        const ca = chAccs[li];
        if (ca) channelAccumulate(ca, ref, real);
        if (
          s === fs &&
          featureMaps.length < featureLayers &&
          t.shape.length === 4 &&
          qg.ops[k]!.type !== "QUANTIZE"
        ) {
          const [, h, w, C] = t.shape as [number, number, number, number];
          const chans: FeatureMap["channels"] = [];
          for (let c = 0; c < Math.min(C, featureChannels); c++) {
            const a = new Float32Array(h * w);
            const b = new Float32Array(h * w);
            for (let p = 0; p < h * w; p++) {
              a[p] = ref[p * C + c]!;
              b[p] = real[p * C + c]!;
            }
            chans.push({ c, float: a, int8: b });
          }
          featureMaps.push({ layer: t.name, op: qg.ops[k]!.type, h, w, channels: chans });
        }
      });
    });
    const fo = fOut >= 0 ? fv[fOut] : undefined;
    const qo = realOf(qOutT, rawOut[0] ?? []).real;
    if (fo) {
      accumulate(outAcc, fo, qo);
      let md = 0;
      for (let i = 0; i < Math.min(fo.length, qo.length); i++) {
        const d = qo[i]! - fo[i]!;
        diffs.push(d);
        md = Math.max(md, Math.abs(d));
      }
      fPred[s] = argmax(fo);
      qPred[s] = argmax(qo);
      perSample.push({
        index: s,
        label: data.y ? data.y[s]! : null,
        floatPred: fPred[s]!,
        int8Pred: qPred[s]!,
        floatScore: fo[fPred[s]!]!,
        int8Score: qo[qPred[s]!]!,
        maxDiff: md,
      });
    }
    opts.onProgress?.(s + 1, N);
  }
  const classes = Math.max(data.labels?.length ?? 0, qOutT.shape[qOutT.shape.length - 1] ?? 0);
  // class names: the data's, else the ones stored in the model (metadata), else indices
  const labels =
    data.labels ?? getLabels(qg) ?? getLabels(fg) ?? Array.from({ length: classes }, (_, i) => String(i));
  const y = data.y;
  const fConf = y ? confusion(y, fPred, classes) : [];
  const qConf = y ? confusion(y, qPred, classes) : [];
  const fTop = y ? accuracy(y, fPred) : null;
  const qTop = y ? accuracy(y, qPred) : null;

  const rows: LayerRow[] = [];
  if (inputQuant.scale !== null && qIn) {
    rows.push({
      ...finish(inputAcc, inputQuant.scale),
      index: -1,
      name: qIn.name,
      op: "INPUT (quantized)",
      shape: [...qIn.shape],
      scale: inputQuant.scale,
      zero_point: inputQuant.zp,
      matched_by: "input",
      float_tensor: fg.tensors[fg.inputs[0] ?? -1]?.name ?? null,
      drop_db: null,
      jump: false,
      compared: true,
      channel_sqnr_min_db: null,
    });
  }
  matches.forEach((m, li) => {
    const op = qg.ops[m.op]!;
    const t = qg.tensors[op.outputs[0] ?? -1];
    const sz = scaleOf(t);
    const compared = m.floatTensor >= 0 && accs[li]!.n > 0;
    const met = finish(accs[li]!, sz.scale ?? undefined);
    const ca = chAccs[li];
    rows.push({
      ...met,
      ...(compared ? {} : { sqnr_db: Number.NaN, cosine: Number.NaN }),
      index: m.op,
      name: t?.name ?? `op ${m.op}`,
      op: op.type,
      shape: t ? [...t.shape] : [],
      scale: sz.scale,
      zero_point: sz.zp,
      matched_by: m.by,
      float_tensor: m.floatTensor >= 0 ? (fg.tensors[m.floatTensor]?.name ?? null) : null,
      drop_db: null,
      jump: false,
      compared,
      channel_sqnr_min_db: compared && ca ? channelMin(ca) : null,
    });
  });
  const { drops, jump } = findJump(
    qg,
    rows.map((r) => ({ index: r.index, sqnr: r.compared ? r.sqnr_db : null })),
  );
  rows.forEach((r, i) => {
    r.drop_db = drops[i] ?? null;
    r.jump = i === jump;
  });
  const jr = rows[jump];
  perSample.sort(
    (a, b) =>
      Number(b.floatPred !== b.int8Pred) - Number(a.floatPred !== a.int8Pred) || b.maxDiff - a.maxDiff,
  );
  const top = perSample
    .slice(0, opts.topDisagreements ?? 10)
    .map((d) => ({ ...d, image: thumbOf(data.x[d.index]!, data.imageShape) }));
  return {
    meta: {
      floatPath: opts.floatPath ?? "",
      int8Path: opts.int8Path ?? "",
      dataPath: opts.dataPath ?? "",
      samples: N,
      created: new Date().toISOString(),
      seconds: (Date.now() - t0) / 1000,
      engine: opts.engine ?? "custom",
      floatDescription: fg.description ?? null,
      int8Description: qg.description ?? null,
    },
    labels,
    float: { top1: fTop, perClass: perClassAccuracy(fConf), confusion: fConf },
    int8: { top1: qTop, perClass: perClassAccuracy(qConf), confusion: qConf },
    agreement: agreement(fPred, qPred),
    drop_pp: fTop !== null && qTop !== null ? (fTop - qTop) * 100 : null,
    output: { metrics: finish(outAcc, scaleOf(qOutT).scale ?? undefined), diff: histogram(diffs, 41) },
    disagreements: top,
    layers: rows,
    jump: jr && jr.drop_db !== null ? { index: jr.index, name: jr.name, drop_db: jr.drop_db } : null,
    jumpRule: JUMP_RULE,
    weights: weightReports(fg, qg, matches),
    featureMaps,
    featureSample: fs,
  };
}
