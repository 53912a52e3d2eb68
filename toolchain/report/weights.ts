/**
 * Channel-level analysis of every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED weight tensor
 * of the int8 model against the float weights of its matched float op (channels.ts).
 */
import type { Graph } from "../ir/types.js";
import { analyzeWeights, type WeightReport } from "./channels.js";
import type { LayerMatch } from "./mapping.js";
import { dequantize } from "./metrics.js";

const CONV_OPS = new Set(["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]);

/** Float weights of the matched float op, with a folded batch-norm MUL applied per channel. */
function floatWeights(fg: Graph, m: LayerMatch, axis: number): Float32Array | undefined {
  const f = m.floatOps[0];
  if (f === undefined) return undefined;
  const wt = fg.tensors[fg.ops[f]!.inputs[1] ?? -1];
  if (!(wt?.data instanceof Float32Array)) return undefined;
  let w = wt.data;
  const inner = wt.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const C = wt.shape[axis] ?? 1;
  for (const k of m.floatOps.slice(1)) {
    const op = fg.ops[k]!;
    if (op.type !== "MUL") continue;
    const ct = op.inputs.map((t) => fg.tensors[t]).find((t) => t?.data instanceof Float32Array);
    const mul = ct?.data as Float32Array | undefined;
    if (!mul || (mul.length !== C && mul.length !== 1)) continue;
    const out = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++)
      out[i] = w[i]! * mul[mul.length === 1 ? 0 : Math.floor(i / inner) % C]!;
    w = out;
  }
  return w;
}

export function weightReports(fg: Graph, qg: Graph, matches: LayerMatch[]): WeightReport[] {
  const out: WeightReport[] = [];
  for (const m of matches) {
    const op = qg.ops[m.op]!;
    if (!CONV_OPS.has(op.type)) continue;
    const qt = qg.tensors[op.inputs[1] ?? -1];
    if (!qt?.data) continue;
    const axis = op.type === "DEPTHWISE_CONV_2D" ? 3 : 0;
    const model =
      qt.quant && qt.dtype !== "float32"
        ? { q: qt.data as ArrayLike<number>, scale: qt.quant.scale }
        : undefined;
    let w = floatWeights(fg, m, axis);
    if (w && w.length !== qt.data.length) w = undefined;
    const fromInt8 = !w;
    if (!w) w = model ? dequantize(model.q, 1, 0) : Float32Array.from(qt.data as ArrayLike<number>);
    if (fromInt8 && model) {
      // No float weights: analyse the int8 model's own (dequantized) weights.
      const inner = qt.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const nch = model.scale.length;
      for (let i = 0; i < w.length; i++)
        w[i] = w[i]! * model.scale[nch === 1 ? 0 : Math.floor(i / inner) % nch]!;
    }
    const rep = { ...analyzeWeights(qt.name, op.type, w, [...qt.shape], axis, model), opIndex: m.op };
    out.push(fromInt8 ? { ...rep, name: `${qt.name} (int8 dequantized: no float weights matched)` } : rep);
  }
  return out;
}
