/**
 * The float reference executor: runs a Graph with plain loops over Float32Arrays and keeps
 * every tensor's value (by tensor index), so every intermediate tensor can be compared.
 *
 * On a quantized graph it runs the dequantized model: constants are dequantized
 * (real = scale * (q - zp)), inputs are given as real values, and every int8/uint8/int16
 * activation with quant params is fake-quantized (rounded to its grid and clamped), which
 * simulates int8 inference up to accumulator rounding.
 */
import { EdgeqError } from "../errors.js";
import type { Graph, Op, Tensor } from "../ir/types.js";
import { roundAway } from "../quantize/params.js";
import { conv2d, depthwiseConv2d, fullyConnected } from "./conv.js";
import { binary, concat, pad, relu, softmax } from "./elementwise.js";
import {
  leakyRelu,
  pack,
  resizeNearest,
  split,
  stridedSlice,
  transpose,
  unary,
  type Value,
} from "./layout.js";
import { mean, pool2d } from "./pool.js";
import { numel } from "./util.js";

export interface FloatRun {
  outputs: Float32Array[];
  /** Every tensor's float value by tensor index (undefined for tensors no op produced). */
  values: (Float32Array | undefined)[];
}

const QRANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
};

/** The real values of a constant tensor (dequantized when it carries quant params). */
export function constValue(t: Tensor): Float32Array | undefined {
  const d = t.data;
  if (!d) return undefined;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  const q = t.quant;
  if (!q || t.dtype === "int64" || t.dtype === "bool" || (t.dtype === "int32" && q.scale.length === 0)) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
    return out;
  }
  const inner = t.shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  const nch = q.scale.length;
  for (let i = 0; i < d.length; i++) {
    const c = nch === 1 ? 0 : Math.floor(i / inner) % nch;
    out[i] = q.scale[c]! * (Number(d[i]!) - (q.zeroPoint[c] ?? 0));
  }
  return out;
}

/** Rounds x to the int grid of tensor t (in place) when t is a quantized activation. */
export function fakeQuant(x: Float32Array, t: Tensor): Float32Array {
  const r = QRANGE[t.dtype];
  const q = t.quant;
  if (!r || !q || q.scale.length !== 1) return x;
  const s = q.scale[0]!;
  const zp = q.zeroPoint[0] ?? 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]! / s;
    const v = Math.min(r[1], Math.max(r[0], roundAway(u) + zp));
    x[i] = s * (v - zp);
  }
  return x;
}

/**
 * A quantized conv / depthwise / FC bias without params (edgeq leaves them out: TFLite never
 * reads them) has the implied scale inputScale * weightScale[c]; returns it dequantized.
 */
function impliedBias(g: Graph, op: Op): Float32Array | undefined {
  if (op.type !== "CONV_2D" && op.type !== "DEPTHWISE_CONV_2D" && op.type !== "FULLY_CONNECTED")
    return undefined;
  const b = g.tensors[op.inputs[2] ?? -1];
  const x = g.tensors[op.inputs[0]!];
  const w = g.tensors[op.inputs[1]!];
  if (!b?.data || b.quant || b.dtype !== "int32" || !x?.quant || !w?.quant) return undefined;
  const xs = x.quant.scale[0]!;
  const ws = w.quant.scale;
  return Float32Array.from(b.data as Int32Array, (v, c) => v * xs * ws[ws.length === 1 ? 0 : c]!);
}

function resolveShape(target: readonly number[], n: number): number[] {
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  return target.map((d) => (d === -1 ? n / Math.max(known, 1) : d));
}

/** Runs every op in order; inputs are real values, one Float32Array per graph input. */
export function runFloat(g: Graph, inputs: Float32Array[]): FloatRun {
  const values: (Float32Array | undefined)[] = new Array(g.tensors.length).fill(undefined);
  const shapes: number[][] = g.tensors.map((t) => [...t.shape]);
  g.tensors.forEach((t, i) => {
    values[i] = constValue(t);
  });
  g.inputs.forEach((ti, k) => {
    const x = inputs[k];
    const t = g.tensors[ti]!;
    if (!x) throw new EdgeqError("E_EXEC_INPUT", `graph has ${g.inputs.length} inputs, got ${inputs.length}`);
    if (x.length !== numel(t.shape))
      throw new EdgeqError(
        "E_EXEC_INPUT",
        `input ${k} '${t.name}' has ${x.length} values, shape [${t.shape}] needs ${numel(t.shape)}`,
        "runFloat",
      );
    values[ti] = fakeQuant(new Float32Array(x), t);
  });
  g.ops.forEach((op, oi) => {
    const get = (k: number): Float32Array => {
      const ti = op.inputs[k] ?? -1;
      const v = ti >= 0 ? values[ti] : undefined;
      if (!v) throw new EdgeqError("E_EXEC_ORDER", `op ${oi} ${op.type} input ${k} has no value`, `op ${oi}`);
      return v;
    };
    const opt = (k: number): Float32Array | undefined => {
      const ti = op.inputs[k] ?? -1;
      return ti >= 0 ? values[ti] : undefined;
    };
    const sh = (k: number): number[] => shapes[op.inputs[k]!]!;
    const r = evalOp(op, get, (k) => (k === 2 ? (impliedBias(g, op) ?? opt(k)) : opt(k)), sh, g);
    (Array.isArray(r) ? r : [r]).forEach((v, k) => {
      const oti = op.outputs[k]!;
      values[oti] = fakeQuant(v.y, g.tensors[oti]!);
      shapes[oti] = v.shape;
    });
  });
  return { outputs: g.outputs.map((i) => values[i]!), values };
}

function evalOp(
  op: Op,
  get: (k: number) => Float32Array,
  opt: (k: number) => Float32Array | undefined,
  sh: (k: number) => number[],
  g: Graph,
): Value | Value[] {
  const ints = (k: number) => Array.from(get(k), Math.round);
  switch (op.type) {
    case "CONV_2D":
      return conv2d(get(0), sh(0), get(1), sh(1), opt(2), op.options);
    case "DEPTHWISE_CONV_2D":
      return depthwiseConv2d(get(0), sh(0), get(1), sh(1), opt(2), op.options);
    case "FULLY_CONNECTED":
      return fullyConnected(get(0), sh(0), get(1), sh(1), opt(2), op.options);
    case "AVERAGE_POOL_2D":
      return pool2d(get(0), sh(0), op.options, "avg");
    case "MAX_POOL_2D":
      return pool2d(get(0), sh(0), op.options, "max");
    case "MEAN":
      return mean(get(0), sh(0), Array.from(get(1)), op.options.keepDims);
    case "ADD":
    case "SUB":
    case "MUL": {
      const kind = op.type === "ADD" ? "add" : op.type === "SUB" ? "sub" : "mul";
      return binary(get(0), sh(0), get(1), sh(1), kind, op.options.activation);
    }
    case "MAXIMUM":
    case "MINIMUM":
      return binary(get(0), sh(0), get(1), sh(1), op.type === "MAXIMUM" ? "max" : "min", "NONE");
    case "PRELU":
      return binary(get(0), sh(0), get(1), sh(1), "prelu", "NONE");
    case "HARD_SWISH":
    case "LOGISTIC":
    case "TANH":
      return { y: unary(get(0), op.type), shape: sh(0) };
    case "LEAKY_RELU":
      return { y: leakyRelu(get(0), op.options.alpha), shape: sh(0) };
    case "SHAPE":
      return { y: Float32Array.from(sh(0)), shape: [sh(0).length] };
    case "STRIDED_SLICE":
      return stridedSlice(get(0), sh(0), ints(1), ints(2), ints(3), op.options);
    case "PACK":
      return pack(
        op.inputs.map((_, k) => get(k)),
        sh(0),
        op.options.axis,
      );
    case "UNPACK":
      return split(get(0), sh(0), op.options.axis, op.options.num, false);
    case "SPLIT":
      return split(get(1), sh(1), ints(0)[0]!, op.options.numSplits, true);
    case "SQUEEZE":
    case "EXPAND_DIMS": {
      const outT = g.tensors[op.outputs[0]!]!;
      return { y: new Float32Array(get(0)), shape: [...outT.shape] };
    }
    case "TRANSPOSE":
      return transpose(get(0), sh(0), ints(1));
    case "PADV2": {
      const p = get(1);
      const pads: [number, number][] = [];
      for (let i = 0; i + 1 < p.length; i += 2) pads.push([p[i]!, p[i + 1]!]);
      return pad(get(0), sh(0), pads, opt(2)?.[0] ?? 0);
    }
    case "RESIZE_NEAREST_NEIGHBOR": {
      const [oh, ow] = ints(1) as [number, number];
      const o = op.options;
      return resizeNearest(get(0), sh(0), oh, ow, o.alignCorners, o.halfPixelCenters);
    }
    case "RESHAPE": {
      const x = get(0);
      const s = opt(1);
      const outT = g.tensors[op.outputs[0]!]!;
      const target = s && (op.inputs[1] ?? -1) >= 0 ? Array.from(s) : (op.options.newShape ?? outT.shape);
      return { y: new Float32Array(x), shape: resolveShape(target, x.length) };
    }
    case "SOFTMAX":
      return { y: softmax(get(0), sh(0), op.options.beta), shape: sh(0) };
    case "PAD": {
      const p = get(1);
      const pads: [number, number][] = [];
      for (let i = 0; i + 1 < p.length; i += 2) pads.push([p[i]!, p[i + 1]!]);
      // Padding is real 0 (TFLite pads a quantized tensor with its zero point).
      return pad(get(0), sh(0), pads, 0);
    }
    case "CONCATENATION": {
      const parts = op.inputs.map((_, k) => get(k));
      const r = concat(
        parts,
        op.inputs.map((_, k) => sh(k)),
        op.options.axis,
      );
      return { y: relu6Maybe(r.y, op.options.activation), shape: r.shape };
    }
    case "QUANTIZE":
    case "DEQUANTIZE":
      return { y: new Float32Array(get(0)), shape: sh(0) };
    case "RELU":
      return { y: relu(get(0), false), shape: sh(0) };
    case "RELU6":
      return { y: relu(get(0), true), shape: sh(0) };
  }
}

function relu6Maybe(y: Float32Array, act: "NONE" | "RELU" | "RELU6"): Float32Array {
  if (act === "NONE") return y;
  return relu(y, act === "RELU6");
}
