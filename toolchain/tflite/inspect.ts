/**
 * What `edgeq inspect` reports about a .tflite: inputs/outputs, every op with its tensors,
 * MACs/FLOPs/params per op and in total, each separable block against a standard conv, and
 * the file size split into weights (constant tensor data) and structure (everything else).
 */
import { graphCost, type SeparableBlock } from "../ir/cost.js";
import { getLabels } from "../ir/metadata.js";
import type { DType, Graph, Op } from "../ir/types.js";
import { readTflite } from "./read.js";

export interface InspectTensor {
  index: number;
  name: string;
  shape: number[];
  dtype: DType;
  /** True for constants (weights, biases, shape operands). */
  constant: boolean;
  bytes: number;
  quantization: { scale: number[]; zeroPoint: number[]; axis: number; perChannel: boolean } | null;
}

export interface InspectOp {
  index: number;
  op: Op["type"];
  inputs: number[];
  outputs: number[];
  options: Op["options"];
  macs: number;
  flops: number;
  params: number;
}

export interface InspectReport {
  file: string;
  description: string | null;
  labels: string[] | null;
  metadata: { name: string; bytes: number }[];
  inputs: number[];
  outputs: number[];
  ops: InspectOp[];
  tensors: InspectTensor[];
  separable: SeparableBlock[];
  totals: {
    macs: number;
    flops: number;
    params: number;
    bytes: number;
    weightBytes: number;
    structureBytes: number;
  };
  warnings: string[];
}

/** Parses, checks and costs a model. Throws EdgeqError on a malformed or inconsistent file. */
export function inspectModel(bytes: Uint8Array, file = "model"): InspectReport {
  const warnings: string[] = [];
  // readTflite runs checkGraph too: shapes and quantization are consistent below
  const g: Graph = readTflite(bytes, { source: file, onWarning: (m) => warnings.push(m) });
  const cost = graphCost(g);
  return {
    file,
    description: g.description ?? null,
    labels: getLabels(g) ?? null,
    metadata: (g.metadata ?? []).map((m) => ({ name: m.name, bytes: m.data.length })),
    inputs: g.inputs,
    outputs: g.outputs,
    ops: g.ops.map((op, index) => {
      const c = cost.ops[index]!;
      return {
        index,
        op: op.type,
        inputs: op.inputs,
        outputs: op.outputs,
        options: op.options,
        macs: c.macs,
        flops: c.flops,
        params: c.params,
      };
    }),
    tensors: g.tensors.map((t, index) => ({
      index,
      name: t.name,
      shape: t.shape,
      dtype: t.dtype,
      constant: t.data !== undefined,
      bytes: t.data?.byteLength ?? 0,
      quantization: t.quant
        ? {
            scale: t.quant.scale,
            zeroPoint: t.quant.zeroPoint,
            axis: t.quant.axis,
            perChannel: t.quant.scale.length > 1,
          }
        : null,
    })),
    separable: cost.separable,
    totals: {
      macs: cost.macs,
      flops: cost.flops,
      params: cost.params,
      bytes: bytes.length,
      weightBytes: cost.weightBytes,
      structureBytes: bytes.length - cost.weightBytes,
    },
    warnings,
  };
}

const big = (n: number) => n.toLocaleString("en-US");
const sig = (x: number) =>
  x === 0 ? "0" : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(3);

/** One-line summary of a tensor's quantization: per-tensor scale/zp, or per-channel range. */
export function quantSummary(q: InspectTensor["quantization"]): string {
  if (!q) return "-";
  if (!q.perChannel) return `s=${sig(q.scale[0]!)} zp=${q.zeroPoint[0]}`;
  const lo = Math.min(...q.scale);
  const hi = Math.max(...q.scale);
  const zps = [...new Set(q.zeroPoint)];
  const zp = zps.length === 1 ? `zp=${zps[0]}` : `zp ${Math.min(...zps)}..${Math.max(...zps)}`;
  return `per-channel axis ${q.axis}: ${q.scale.length} scales ${sig(lo)}..${sig(hi)} ${zp}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const shapeStr = (t: InspectTensor | undefined) => (t ? `${t.dtype}[${t.shape.join(",")}]` : "-");

/** Short summary of an op's options: `3x3/2 SAME RELU6`, `x2` for a depth multiplier, `axis 3`. */
export function opSummary(r: InspectReport, o: InspectOp): string {
  const opt = o.options as Record<string, unknown>;
  const act = opt.activation && opt.activation !== "NONE" ? ` ${String(opt.activation)}` : "";
  const w = r.tensors[o.inputs[1] ?? -1];
  switch (o.op) {
    case "CONV_2D":
    case "DEPTHWISE_CONV_2D": {
      const k = w ? `${w.shape[1]}x${w.shape[2]}` : "?";
      const s = opt.strideH === opt.strideW ? `${opt.strideH}` : `${opt.strideH},${opt.strideW}`;
      const d = opt.dilationH !== 1 || opt.dilationW !== 1 ? ` d${opt.dilationH},${opt.dilationW}` : "";
      const m = o.op === "DEPTHWISE_CONV_2D" && opt.depthMultiplier !== 1 ? ` x${opt.depthMultiplier}` : "";
      return `${k}/${s}${d} ${String(opt.padding)}${m}${act}`;
    }
    case "AVERAGE_POOL_2D":
    case "MAX_POOL_2D":
      return `${opt.filterH}x${opt.filterW}/${opt.strideH} ${String(opt.padding)}${act}`;
    case "CONCATENATION":
      return `axis ${opt.axis}${act}`;
    case "MEAN":
      return opt.keepDims ? "keep dims" : "";
    case "SOFTMAX":
      return opt.beta === 1 ? "" : `beta ${opt.beta}`;
    default:
      return act.trim();
  }
}

/** The human-readable report: summary, ops table, tensors table, separable blocks, size split. */
export function renderInspect(r: InspectReport): string {
  const T = (i: number) => r.tensors[i];
  const io = (xs: number[]) =>
    xs.map(
      (i) => `  #${i} ${T(i)?.name ?? "?"} ${shapeStr(T(i))} ${quantSummary(T(i)?.quantization ?? null)}`,
    );
  const out: string[] = [`${r.file}: ${r.description ?? "(no description)"}`];
  if (r.labels) out.push(`labels: ${r.labels.join(", ")}`);
  out.push("inputs:", ...io(r.inputs), "outputs:", ...io(r.outputs), "");
  const opRows = [["#", "op", "options", "inputs", "outputs", "MACs", "params"]];
  for (const o of r.ops) {
    opRows.push([
      String(o.index),
      o.op,
      opSummary(r, o),
      o.inputs.map((i) => (i < 0 ? "-" : shapeStr(T(i)))).join(" "),
      o.outputs.map((i) => shapeStr(T(i))).join(" "),
      big(o.macs),
      big(o.params),
    ]);
  }
  opRows.push(["", "total", "", "", "", big(r.totals.macs), big(r.totals.params)]);
  out.push(table(opRows), "");
  const tRows = [["#", "name", "shape", "dtype", "bytes", "quantization"]];
  for (const t of r.tensors) {
    tRows.push([
      String(t.index),
      t.name.length > 48 ? `${t.name.slice(0, 45)}...` : t.name,
      `[${t.shape.join(",")}]`,
      t.dtype,
      t.constant ? big(t.bytes) : "",
      quantSummary(t.quantization),
    ]);
  }
  out.push(table(tRows), "");
  if (r.separable.length) {
    out.push("separable blocks (depthwise + 1x1) vs a standard conv of the same kernel:");
    for (const s of r.separable) {
      out.push(
        `  ops ${s.depthwise}+${s.pointwise} ${s.kernel.join("x")} ${s.inChannels}->${s.outChannels}: ` +
          `${big(s.macs)} MACs, ${big(s.params)} params; standard conv ${big(s.standardMacs)} MACs, ` +
          `${big(s.standardParams)} params (${s.macRatio.toFixed(1)}x the MACs)`,
      );
    }
    out.push("");
  }
  const { bytes, weightBytes, structureBytes } = r.totals;
  out.push(
    `totals: ${big(r.totals.macs)} MACs, ${big(r.totals.flops)} FLOPs, ${big(r.totals.params)} params`,
    `size: ${big(bytes)} bytes = ${big(weightBytes)} weights + ${big(structureBytes)} structure ` +
      `(${bytes ? ((100 * structureBytes) / bytes).toFixed(1) : "0"}% structure)`,
  );
  if (r.metadata.length)
    out.push(`metadata: ${r.metadata.map((m) => `${m.name} (${m.bytes} B)`).join(", ")}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}
