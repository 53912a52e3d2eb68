/**
 * What `edgeq inspect` reports about a .tflite (any valid one: ops edgeq cannot run are named
 * from TFLite's whole builtin table and marked): inputs/outputs, every op with its tensors,
 * MACs/FLOPs/params per op and in total, each separable block against a standard conv, and
 * the file size split into weights (constant tensor data) and structure (everything else).
 */
import { graphCost, type SeparableBlock } from "../ir/cost.js";
import { getLabels } from "../ir/metadata.js";
import type { DType, Graph, Op } from "../ir/types.js";
import { type ForeignOp, type ForeignTensor, readTflite } from "./read.js";
import { runtimeRefusals, runtimeSupports } from "./runtime-ops.js";

export interface InspectTensor {
  index: number;
  name: string;
  shape: number[];
  /** edgeq's dtype, or TFLite's type for tensors edgeq cannot hold (`float16`, `sparse int8`). */
  dtype: DType | string;
  /** True for constants (weights, biases, shape operands). */
  constant: boolean;
  bytes: number;
  quantization: { scale: number[]; zeroPoint: number[]; axis: number; perChannel: boolean } | null;
}

export interface InspectOp {
  /** Position among the file's operators. */
  index: number;
  /** TFLite's name of the op: any builtin (`CONV_2D`, `LSTM`), `CUSTOM 'name'`, `builtin op code N`. */
  op: string;
  /** Whether edgeq's int8 runtime can run this op (a kernel for it, int8 activations: runtime-ops.ts). */
  runtime: boolean;
  /** Why the runtime cannot (`no kernel`, `float32 input 0`), when it cannot. */
  runtimeNote?: string;
  /** Ops edgeq's toolchain cannot hold: why (their options, MACs and params are unknown). */
  foreign?: string;
  inputs: number[];
  outputs: number[];
  /** The op's options in edgeq's IR; null for foreign ops. */
  options: Op["options"] | null;
  macs: number;
  flops: number;
  params: number;
}

const runtimeFlags = (why: string | undefined): { runtime: boolean; runtimeNote?: string } =>
  why === undefined ? { runtime: true } : { runtime: false, runtimeNote: why };

/** The note `edgeq inspect` puts on ops edgeq's runtime cannot run. */
export const NOT_SUPPORTED = "not supported by the runtime";

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
  /** Names of the ops (each once) that edgeq's runtime cannot run, in file order. */
  unsupported: string[];
  warnings: string[];
}

/**
 * Parses, checks and costs a model. Any valid .tflite is shown: ops edgeq's IR does not hold
 * (any other TFLite builtin, custom ops) are listed by name with unknown cost, and every op the
 * runtime cannot run is marked. Throws EdgeqError on a malformed or inconsistent file.
 */
export function inspectModel(bytes: Uint8Array, file = "model"): InspectReport {
  const warnings: string[] = [];
  const foreign: ForeignOp[] = [];
  const foreignTensors = new Map<number, ForeignTensor>();
  // readTflite runs checkGraph too: shapes and quantization are consistent below
  const g: Graph = readTflite(bytes, {
    source: file,
    onWarning: (m) => warnings.push(m),
    foreignOps: foreign,
    foreignTensors,
  });
  const cost = graphCost(g);
  const refusals = runtimeRefusals(g);
  const irOps: InspectOp[] = g.ops.map((op, k) => {
    const c = cost.ops[k]!;
    return {
      index: -1,
      op: op.type,
      ...runtimeFlags(refusals[k]),
      inputs: op.inputs,
      outputs: op.outputs,
      options: op.options,
      macs: c.macs,
      flops: c.flops,
      params: c.params,
    };
  });
  // file order: foreign ops at their positions, the IR's ops (in order) in the gaps
  const ops: InspectOp[] = [];
  let next = 0;
  const total = g.ops.length + foreign.length;
  for (let index = 0, f = 0; index < total; index++) {
    const fo = foreign[f];
    if (fo && fo.index === index) {
      f++;
      const params = fo.inputs.reduce(
        (a, i) => a + (i >= 0 && g.tensors[i]?.data ? g.tensors[i]!.data!.length : 0),
        0,
      );
      ops.push({
        index,
        op: fo.name,
        runtime: false,
        runtimeNote: runtimeSupports(fo.code) ? "a feature edgeq does not implement" : "no kernel",
        foreign: fo.reason,
        inputs: fo.inputs,
        outputs: fo.outputs,
        options: null,
        macs: 0,
        flops: 0,
        params,
      });
    } else ops.push({ ...irOps[next++]!, index });
  }
  const unsupported = [...new Set(ops.filter((o) => !o.runtime).map((o) => o.op))];
  const foreignBytes = [...foreignTensors.values()].reduce((a, t) => a + t.bytes, 0);
  return {
    file,
    description: g.description ?? null,
    labels: getLabels(g) ?? null,
    metadata: (g.metadata ?? []).map((m) => ({ name: m.name, bytes: m.data.length })),
    inputs: g.inputs,
    outputs: g.outputs,
    ops,
    tensors: g.tensors.map((t, index) => ({
      index,
      name: t.name,
      shape: t.shape,
      dtype: foreignTensors.get(index)?.type ?? t.dtype,
      constant: t.data !== undefined || (foreignTensors.get(index)?.bytes ?? 0) > 0,
      bytes: t.data?.byteLength ?? foreignTensors.get(index)?.bytes ?? 0,
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
      weightBytes: cost.weightBytes + foreignBytes,
      structureBytes: bytes.length - cost.weightBytes - foreignBytes,
    },
    unsupported,
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
  if (!o.options) return "";
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
    case "PACK":
    case "UNPACK":
      return `axis ${opt.axis}`;
    case "SPLIT":
      return `${opt.numSplits} parts`;
    case "SQUEEZE":
      return (opt.squeezeDims as number[]).length ? `dims ${(opt.squeezeDims as number[]).join(",")}` : "";
    case "LEAKY_RELU":
      return `alpha ${sig(opt.alpha as number)}`;
    case "STRIDED_SLICE": {
      const masks: [string, string][] = [
        ["beginMask", "begin_mask"],
        ["endMask", "end_mask"],
        ["shrinkAxisMask", "shrink_axis_mask"],
      ];
      return masks
        .filter(([k]) => opt[k] !== 0)
        .map(([k, name]) => `${name} ${opt[k]}`)
        .join(" ");
    }
    case "RESIZE_NEAREST_NEIGHBOR":
      return [opt.alignCorners ? "align corners" : "", opt.halfPixelCenters ? "half pixel" : ""]
        .filter(Boolean)
        .join(" ");
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
  const opRows = [["#", "op", "options", "inputs", "outputs", "MACs", "params", ""]];
  for (const o of r.ops) {
    opRows.push([
      String(o.index),
      o.op,
      opSummary(r, o),
      o.inputs.map((i) => (i < 0 ? "-" : shapeStr(T(i)))).join(" "),
      o.outputs.map((i) => shapeStr(T(i))).join(" "),
      o.foreign ? "?" : big(o.macs),
      big(o.params),
      o.runtime
        ? ""
        : o.runtimeNote && o.runtimeNote !== "no kernel"
          ? `${NOT_SUPPORTED} (${o.runtimeNote})`
          : NOT_SUPPORTED,
    ]);
  }
  opRows.push(["", "total", "", "", "", big(r.totals.macs), big(r.totals.params), ""]);
  out.push(table(opRows), "");
  if (r.unsupported.length) {
    out.push(`${NOT_SUPPORTED}: ${r.unsupported.join(", ")}`);
    const foreign = r.ops.filter((o) => o.foreign);
    if (foreign.length) {
      out.push(
        `edgeq's toolchain does not hold ${foreign.map((o) => `op ${o.index} ${o.op}`).join(", ")} ` +
          "(their MACs are not counted)",
      );
    }
    out.push("");
  }
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
