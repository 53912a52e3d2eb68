/** The summary `edgeq quantize` prints: sizes before/after and per-layer scale ranges. */
import { graphCost } from "../ir/cost.js";
import type { Graph } from "../ir/types.js";
import type { QuantizeReport } from "./index.js";

export interface SummaryInput {
  floatBytes: number;
  bytes: number;
  ms: number;
}

const g3 = (x: number): string =>
  x === 0 ? "0" : Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? x.toFixed(4) : x.toExponential(2);

/** Weight + bias bytes of a graph (constant data of weighted ops). */
export function weightBytes(g: Graph): number {
  let n = 0;
  for (const o of g.ops)
    if (o.type === "CONV_2D" || o.type === "DEPTHWISE_CONV_2D" || o.type === "FULLY_CONNECTED")
      for (const i of o.inputs.slice(1)) if (i >= 0) n += g.tensors[i]!.data?.byteLength ?? 0;
  return n;
}

export function summarize(
  g: Graph,
  r: QuantizeReport,
  s: SummaryInput,
): { text: string; data: Record<string, unknown> } {
  const wb = weightBytes(g);
  const cost = graphCost(g);
  const lines: string[] = [];
  lines.push(
    `size: float ${s.floatBytes} bytes -> int8 ${s.bytes} bytes (${((100 * s.bytes) / Math.max(1, s.floatBytes)).toFixed(1)}%); ` +
      `weights+biases ${wb} bytes, everything else ${s.bytes - wb} bytes`,
  );
  lines.push(
    `params ${cost.params}, MACs ${cost.macs}; folded ${r.rewrites.foldedBatchNorm} BatchNorm, fused ${r.rewrites.fusedActivations} activations` +
      (r.equalized.length ? `, equalised ${r.equalized.length} pairs` : "") +
      ` (${(s.ms / 1000).toFixed(1)} s)`,
  );
  lines.push(
    "layer                      op                 ch  w-scale min..max          multiplier min..max   acc bound",
  );
  for (const l of r.layers)
    lines.push(
      `${l.name.padEnd(26)} ${l.op.padEnd(17)} ${String(l.channels).padStart(4)}${l.perChannel ? "" : "*"} ` +
        `${`${g3(l.scaleMin)}..${g3(l.scaleMax)}`.padEnd(24)} ${`${g3(l.multiplierMin)}..${g3(l.multiplierMax)}`.padEnd(21)} ` +
        `${(l.accumulatorBound / 2 ** 31).toFixed(4)} of int32`,
    );
  lines.push("(* = one weight scale for the tensor)");
  lines.push("activation                 range                      scale       zp");
  for (const a of r.activations)
    lines.push(
      `${a.name.padEnd(26)} ${(a.range ? `[${g3(a.range.min)}, ${g3(a.range.max)}]` : "-").padEnd(26)} ${g3(a.scale).padEnd(11)} ${a.zeroPoint}`,
    );
  return {
    text: `${lines.join("\n")}\n`,
    data: {
      floatBytes: s.floatBytes,
      int8Bytes: s.bytes,
      weightBytes: wb,
      otherBytes: s.bytes - wb,
      params: cost.params,
      macs: cost.macs,
      rewrites: r.rewrites,
      equalized: r.equalized,
      layers: r.layers.map(({ absMax: _a, rmsError: _r, ...l }) => l),
      activations: r.activations,
    },
  };
}
