/**
 * Engines the report compares: the float IR executor, and the int8 model run either by
 * edgeq's integer runtime (the real thing, see runtime.ts) or, as a fallback, simulated by
 * the float executor on the quantized graph (dequantized weights, fake-quantized activations).
 */
import { runFloat } from "../exec/float.js";
import type { Graph, Tensor } from "../ir/types.js";
import type { FloatEngine, Int8Engine } from "./types.js";

export function floatEngine(g: Graph): FloatEngine {
  return { graph: g, run: (x) => runFloat(g, [x]).values };
}

/** Integer codes of a fake-quantized real tensor (identity for float tensors). */
function codesOf(t: Tensor, v: Float32Array): ArrayLike<number> {
  const q = t.quant;
  if (t.dtype === "float32" || !q || q.scale.length !== 1) return v;
  const s = q.scale[0]!;
  const zp = q.zeroPoint[0] ?? 0;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i]! / s) + zp;
  return out;
}

/**
 * A copy of g whose int32 biases all carry quant params: scale = input scale x weight
 * scale[c], zero point 0 (TFLite's rule). The kernels derive it, so some writers leave the
 * bias tensor without params; the float executor needs them to dequantize.
 */
export function withBiasQuant(g: Graph): Graph {
  const tensors = g.tensors.map((t) => ({ ...t }));
  for (const op of g.ops) {
    if (op.type !== "CONV_2D" && op.type !== "DEPTHWISE_CONV_2D" && op.type !== "FULLY_CONNECTED") continue;
    const [xi, wi, bi] = op.inputs;
    const b = tensors[bi ?? -1];
    const xq = tensors[xi ?? -1]?.quant;
    const wq = tensors[wi ?? -1]?.quant;
    if (b?.dtype !== "int32" || (b.quant?.scale.length ?? 0) > 0 || !xq || !wq) continue;
    const scale = wq.scale.map((s) => s * xq.scale[0]!);
    b.quant = { scale, zeroPoint: scale.map(() => 0), axis: 0 };
  }
  return { ...g, tensors };
}

/** The int8 graph run by the float executor with fake-quantized activations. */
export function simulatedInt8Engine(graph: Graph): Int8Engine {
  const g = withBiasQuant(graph);
  return {
    graph,
    run(x, onOp) {
      // runFloat takes real inputs for quantized graphs and rounds them to the input's grid.
      const { values } = runFloat(g, [x]);
      const read = (t: number): ArrayLike<number> => {
        const v = values[t];
        const tt = g.tensors[t];
        return v && tt ? codesOf(tt, v) : [];
      };
      g.ops.forEach((_, k) => {
        onOp(k, read);
      });
      return g.outputs.map((t) => read(t));
    },
  };
}
