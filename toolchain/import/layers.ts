/**
 * tfjs LayersModel -> float Graph (raw: BatchNorm as MUL + ADD, activations as separate ops
 * or fused options as Keras declares them). rewrite.ts folds and fuses afterwards.
 */
import { EdgeqError } from "../errors.js";
import { convOut } from "../exec/util.js";
import type { Activation, Padding } from "../ir/types.js";
import { GraphBuilder } from "./builder.js";
import { findWeight, type LayerSpec, type LayersModelFile } from "./weights.js";

export const SUPPORTED_LAYERS = [
  "InputLayer",
  "Conv2D",
  "DepthwiseConv2D",
  "SeparableConv2D",
  "BatchNormalization",
  "ReLU",
  "Activation (relu, relu6, softmax, linear)",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "Flatten",
  "Reshape",
  "Dense",
  "Dropout",
  "Add",
  "Concatenate",
  "ZeroPadding2D",
  "Softmax",
];

type Cfg = Record<string, unknown>;

const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v)
    ? [Number(v[0] ?? dflt), Number(v[1] ?? v[0] ?? dflt)]
    : v == null
      ? [dflt, dflt]
      : [Number(v), Number(v)];

/** Short tensor names: tfjs' default `conv2d_Conv2D1` becomes `conv2d_1`. */
export function shortName(name: string, className: string): string {
  const m = new RegExp(`^(.*)_${className}(\\d+)$`).exec(name);
  return m ? `${m[1]}_${m[2]}` : name;
}

export function layersToGraph(
  m: LayersModelFile,
  file: string,
  onWarning: (msg: string) => void = () => {},
): GraphBuilder {
  const b = new GraphBuilder();
  const out = new Map<string, number>();
  let prev = -1;
  const err = (l: LayerSpec, msg: string): never => {
    throw new EdgeqError("E_IMPORT_LAYER", `layer '${l.name}' (${l.className}): ${msg}`, file);
  };
  const weight = (l: LayerSpec, w: string, n?: number): Float32Array => {
    const v = findWeight(m, l.name, w);
    if (!v) return err(l, `weight '${l.name}/${w}' is missing from the weights manifest`);
    if (n !== undefined && v.data.length !== n)
      err(
        l,
        `weight '${w}' has ${v.data.length} values [${v.shape}], the layer's config needs ${n}; the model.json and weights do not match`,
      );
    return v.data;
  };

  const addInput = (l: LayerSpec, shape: unknown): number => {
    if (!Array.isArray(shape)) return err(l, "no batch_input_shape; give the first layer an inputShape");
    const dims = (shape as (number | null)[]).slice(1).map((d) => d ?? -1);
    if (dims.some((d) => d < 0)) err(l, `input shape [${dims}] has unknown dims; fix the input size`);
    const t = b.tensor(shortName(l.name, l.className), [1, ...dims]);
    b.g.inputs.push(t);
    return t;
  };

  for (const l of m.layers) {
    const c = l.config as Cfg;
    const nm = shortName(l.name, l.className);
    let ins: number[];
    if (l.className === "InputLayer") {
      const t = addInput(l, c.batch_input_shape ?? c.batch_shape);
      out.set(l.name, t);
      prev = t;
      continue;
    }
    if (m.sequential || !l.inbound) {
      if (prev < 0) prev = addInput(l, c.batch_input_shape ?? c.batch_shape);
      ins = [prev];
    } else {
      ins = l.inbound.map((n) => {
        const t = out.get(n);
        if (t === undefined) return err(l, `input '${n}' is not defined before this layer`);
        return t;
      });
    }
    const x = ins[0]!;
    const xs = b.shape(x);
    if (c.data_format && c.data_format !== "channels_last")
      err(l, "only data_format channels_last is supported");
    if (l.className === "DepthwiseConv2D" && m.producer.startsWith("tfjs-layers")) {
      const d = pair(c.dilation_rate, 1);
      if (d[0] > 1 || d[1] > 1) {
        // tfjs-layers' DepthwiseConv2D.call() passes no dilation to the kernel: the model was
        // trained and predicts without it, so importing it with dilation would change it.
        onWarning(
          `layer '${l.name}': tfjs-layers ignores DepthwiseConv2D dilation_rate [${d}]; imported as 1 like tfjs runs it`,
        );
        l.config = { ...c, dilation_rate: [1, 1] };
      }
    }
    const y = convertLayer(l, nm, l.config as Cfg, ins, xs, b, weight, err);
    out.set(l.name, y);
    prev = y;
  }
  const outs = m.sequential || m.outputLayers.length === 0 ? [prev] : m.outputLayers.map((n) => out.get(n)!);
  b.g.outputs.push(...outs);
  return b;
}

function activation(
  l: LayerSpec,
  nm: string,
  act: unknown,
  y: number,
  b: GraphBuilder,
  err: (l: LayerSpec, m: string) => never,
): { fused: Activation; post: (y: number) => number } {
  const a = act == null ? "linear" : String(act);
  if (a === "linear") return { fused: "NONE", post: (t) => t };
  if (a === "relu") return { fused: "RELU", post: (t) => t };
  if (a === "relu6") return { fused: "RELU6", post: (t) => t };
  if (a === "softmax")
    return {
      fused: "NONE",
      post: (t) => {
        b.rename(t, `${nm}/pre`);
        const o = b.tensor(nm, [...b.shape(t)]);
        b.op({ type: "SOFTMAX", inputs: [t], outputs: [o], options: { beta: 1 } });
        return o;
      },
    };
  void y;
  return err(l, `activation '${a}' is not supported (supported: linear, relu, relu6, softmax)`);
}

type WeightFn = (l: LayerSpec, w: string, n?: number) => Float32Array;

function convertLayer(
  l: LayerSpec,
  nm: string,
  c: Cfg,
  ins: number[],
  xs: number[],
  b: GraphBuilder,
  weight: WeightFn,
  err: (l: LayerSpec, m: string) => never,
): number {
  const x = ins[0]!;
  const padding = (): Padding => (String(c.padding ?? "valid").toLowerCase() === "same" ? "SAME" : "VALID");
  const spatial = (k: [number, number], s: [number, number], d: [number, number]): [number, number] => {
    const p = padding();
    const h = convOut(xs[1]!, k[0], s[0], d[0], p).out;
    const w = convOut(xs[2]!, k[1], s[1], d[1], p).out;
    if (h < 1 || w < 1) err(l, `output would be empty for input [${xs}]`);
    return [h, w];
  };
  const need4d = () => {
    if (xs.length !== 4) err(l, `expects an NHWC input, got shape [${xs}]`);
  };
  switch (l.className) {
    case "Conv2D":
    case "DepthwiseConv2D":
    case "SeparableConv2D": {
      need4d();
      const k = pair(c.kernel_size, 1);
      const s = pair(c.strides, 1);
      const d = pair(c.dilation_rate, 1);
      if (Number(c.groups ?? 1) !== 1) err(l, "grouped convolution is not supported");
      if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1))
        err(l, "strides > 1 with dilation > 1 is not supported");
      const [oh, ow] = spatial(k, s, d);
      const ic = xs[3]!;
      const useBias = c.use_bias !== false;
      const act = activation(l, nm, c.activation, -1, b, err);
      const conv = { padding: padding(), strideH: s[0], strideW: s[1], dilationH: d[0], dilationW: d[1] };
      let dwOut = x;
      let mult = 1;
      if (l.className !== "Conv2D") {
        const dk = weight(l, "depthwise_kernel");
        // The kernel's shape is the truth: tfjs' SeparableConv2D config omits depth_multiplier.
        mult = dk.length / (k[0] * k[1] * ic);
        if (!Number.isInteger(mult) || mult < 1)
          err(l, `depthwise kernel has ${dk.length} values, not kh*kw*ic*m`);
        const sep = l.className === "SeparableConv2D";
        // Keras [kh, kw, ic, m] has the memory layout of TFLite's [1, kh, kw, ic*m].
        const w = b.const(`${nm}${sep ? "/dw" : ""}/w`, [1, k[0], k[1], ic * mult], new Float32Array(dk));
        const bias = !sep && useBias ? weight(l, "bias", ic * mult) : new Float32Array(ic * mult);
        const bt = b.const(`${nm}${sep ? "/dw" : ""}/b`, [ic * mult], new Float32Array(bias));
        dwOut = b.tensor(sep ? `${nm}/dw` : nm, [1, oh, ow, ic * mult]);
        b.op({
          type: "DEPTHWISE_CONV_2D",
          inputs: [x, w, bt],
          outputs: [dwOut],
          options: { ...conv, depthMultiplier: mult, activation: sep ? "NONE" : act.fused },
        });
        if (!sep) return act.post(dwOut);
      }
      const oc = Number(c.filters);
      const kk = l.className === "Conv2D" ? k : ([1, 1] as [number, number]);
      const cin = l.className === "Conv2D" ? ic : ic * mult;
      const kw = weight(
        l,
        l.className === "Conv2D" ? "kernel" : "pointwise_kernel",
        kk[0] * kk[1] * cin * oc,
      );
      // Keras [kh, kw, ic, oc] -> TFLite [oc, kh, kw, ic].
      const w = new Float32Array(kw.length);
      const khw = kk[0] * kk[1];
      for (let p = 0; p < khw; p++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < oc; o++) w[(o * khw + p) * cin + i] = kw[(p * cin + i) * oc + o]!;
      const wt = b.const(`${nm}/w`, [oc, kk[0], kk[1], cin], w);
      const bt = b.const(
        `${nm}/b`,
        [oc],
        new Float32Array(useBias ? weight(l, "bias", oc) : new Float32Array(oc)),
      );
      const y = b.tensor(nm, [1, oh, ow, oc]);
      const opts =
        l.className === "Conv2D"
          ? conv
          : { ...conv, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: "VALID" as const };
      b.op({
        type: "CONV_2D",
        inputs: [dwOut, wt, bt],
        outputs: [y],
        options: { ...opts, activation: act.fused },
      });
      return act.post(y);
    }
    case "Dense": {
      const ic = xs[xs.length - 1]!;
      const oc = Number(c.units);
      const kw = weight(l, "kernel", ic * oc);
      const w = new Float32Array(kw.length);
      for (let i = 0; i < ic; i++) for (let o = 0; o < oc; o++) w[o * ic + i] = kw[i * oc + o]!;
      const wt = b.const(`${nm}/w`, [oc, ic], w);
      const bt = b.const(
        `${nm}/b`,
        [oc],
        new Float32Array(c.use_bias !== false ? weight(l, "bias", oc) : new Float32Array(oc)),
      );
      const act = activation(l, nm, c.activation, -1, b, err);
      const y = b.tensor(nm, [...xs.slice(0, -1), oc]);
      b.op({
        type: "FULLY_CONNECTED",
        inputs: [x, wt, bt],
        outputs: [y],
        options: { activation: act.fused, keepNumDims: xs.length > 2 },
      });
      return act.post(y);
    }
    case "BatchNormalization": {
      const ax = Number(c.axis ?? -1);
      if (!(ax === -1 || ax === xs.length - 1))
        err(l, `axis ${ax} is not supported (only the channel axis -1)`);
      const ch = xs[xs.length - 1]!;
      const eps = Number(c.epsilon ?? 1e-3);
      const gamma = c.scale !== false ? weight(l, "gamma", ch) : new Float32Array(ch).fill(1);
      const beta = c.center !== false ? weight(l, "beta", ch) : new Float32Array(ch);
      const mean = weight(l, "moving_mean", ch);
      const vr = weight(l, "moving_variance", ch);
      const sc = new Float32Array(ch);
      const sh = new Float32Array(ch);
      for (let i = 0; i < ch; i++) {
        sc[i] = gamma[i]! / Math.sqrt(vr[i]! + eps);
        sh[i] = beta[i]! - mean[i]! * sc[i]!;
      }
      const st = b.const(`${nm}/mul`, [ch], sc);
      const mid = b.tensor(`${nm}/scaled`, [...xs]);
      b.op({ type: "MUL", inputs: [x, st], outputs: [mid], options: { activation: "NONE" } });
      const ht = b.const(`${nm}/add`, [ch], sh);
      const y = b.tensor(nm, [...xs]);
      b.op({ type: "ADD", inputs: [mid, ht], outputs: [y], options: { activation: "NONE" } });
      return y;
    }
    case "ReLU": {
      const mx = c.max_value == null ? null : Number(c.max_value);
      if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0 || !(mx === null || mx === 6))
        err(l, "only plain ReLU and ReLU6 (max_value 6, no slope/threshold) are supported");
      const y = b.tensor(nm, [...xs]);
      b.op({ type: mx === 6 ? "RELU6" : "RELU", inputs: [x], outputs: [y], options: {} });
      return y;
    }
    case "Activation":
    case "Softmax": {
      const a = l.className === "Softmax" ? "softmax" : String(c.activation);
      if (
        l.className === "Softmax" &&
        !(c.axis == null || Number(c.axis) === -1 || Number(c.axis) === xs.length - 1)
      )
        err(l, "softmax is supported over the last axis only");
      if (a === "linear") return x;
      const y = b.tensor(nm, [...xs]);
      if (a === "softmax") b.op({ type: "SOFTMAX", inputs: [x], outputs: [y], options: { beta: 1 } });
      else if (a === "relu" || a === "relu6")
        b.op({ type: a === "relu" ? "RELU" : "RELU6", inputs: [x], outputs: [y], options: {} });
      else err(l, `activation '${a}' is not supported (supported: linear, relu, relu6, softmax)`);
      return y;
    }
    case "MaxPooling2D":
    case "AveragePooling2D": {
      need4d();
      const k = pair(c.pool_size, 2);
      const s = c.strides == null ? k : pair(c.strides, 1);
      const [oh, ow] = spatial(k, s, [1, 1]);
      const y = b.tensor(nm, [1, oh, ow, xs[3]!]);
      b.op({
        type: l.className === "MaxPooling2D" ? "MAX_POOL_2D" : "AVERAGE_POOL_2D",
        inputs: [x],
        outputs: [y],
        options: {
          padding: padding(),
          strideH: s[0],
          strideW: s[1],
          filterH: k[0],
          filterW: k[1],
          activation: "NONE",
        },
      });
      return y;
    }
    case "GlobalAveragePooling2D": {
      need4d();
      // AVERAGE_POOL_2D over the full window (+ RESHAPE): runs on old TFLite Micro, unlike MEAN.
      const ch = xs[3]!;
      const keep = c.keepdims === true;
      const p = b.tensor(keep ? nm : `${nm}/pool`, [1, 1, 1, ch]);
      b.op({
        type: "AVERAGE_POOL_2D",
        inputs: [x],
        outputs: [p],
        options: {
          padding: "VALID",
          strideH: 1,
          strideW: 1,
          filterH: xs[1]!,
          filterW: xs[2]!,
          activation: "NONE",
        },
      });
      return keep ? p : reshape(b, nm, p, [1, ch]);
    }
    case "Flatten":
      return reshape(b, nm, x, [1, xs.slice(1).reduce((a, d) => a * d, 1)]);
    case "Reshape": {
      const ts = (c.target_shape as number[]).map(Number);
      const n = xs.slice(1).reduce((a, d) => a * d, 1);
      const known = ts.reduce((a, d) => (d === -1 ? a : a * d), 1);
      return reshape(b, nm, x, [1, ...ts.map((d) => (d === -1 ? n / known : d))]);
    }
    case "Dropout":
    case "SpatialDropout2D":
    case "GaussianNoise":
    case "GaussianDropout":
      return x;
    case "Add": {
      let acc = ins[0]!;
      for (let i = 1; i < ins.length; i++) {
        const y = b.tensor(i === ins.length - 1 ? nm : `${nm}/${i}`, [...xs]);
        b.op({ type: "ADD", inputs: [acc, ins[i]!], outputs: [y], options: { activation: "NONE" } });
        acc = y;
      }
      return acc;
    }
    case "Concatenate": {
      const ax = Number(c.axis ?? -1);
      const rank = xs.length;
      const a = ax < 0 ? ax + rank : ax;
      const shape = [...xs];
      shape[a] = ins.reduce((s, t) => s + b.shape(t)[a]!, 0);
      const y = b.tensor(nm, shape);
      b.op({
        type: "CONCATENATION",
        inputs: [...ins],
        outputs: [y],
        options: { axis: a, activation: "NONE" },
      });
      return y;
    }
    case "ZeroPadding2D": {
      need4d();
      const p = c.padding;
      let tb: [number, number];
      let lr: [number, number];
      if (Array.isArray(p) && Array.isArray(p[0])) {
        tb = pair(p[0], 0);
        lr = pair(p[1], 0);
      } else {
        const q = pair(p ?? 1, 1);
        tb = [q[0], q[0]];
        lr = [q[1], q[1]];
      }
      const pt = b.const(`${nm}/pads`, [4, 2], new Int32Array([0, 0, tb[0], tb[1], lr[0], lr[1], 0, 0]));
      const y = b.tensor(nm, [1, xs[1]! + tb[0] + tb[1], xs[2]! + lr[0] + lr[1], xs[3]!]);
      b.op({ type: "PAD", inputs: [x, pt], outputs: [y], options: {} });
      return y;
    }
    default:
      return err(l, `unsupported layer class; supported: ${SUPPORTED_LAYERS.join(", ")}`);
  }
}

function reshape(b: GraphBuilder, nm: string, x: number, shape: number[]): number {
  const st = b.const(`${nm}/shape`, [shape.length], new Int32Array(shape));
  const y = b.tensor(nm, shape);
  b.op({ type: "RESHAPE", inputs: [x, st], outputs: [y], options: { newShape: shape } });
  return y;
}
