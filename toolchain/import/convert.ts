/** One tfjs layer -> IR ops (everything but the weighted layers, which are in weighted.ts). */

import { convOut } from "../exec/util.js";
import type { Padding } from "../ir/types.js";
import type { GraphBuilder } from "./builder.js";
import { type Cfg, type LayerCtx, pair, reshape, SUPPORTED_LAYERS, type WeightFn } from "./layer-util.js";
import { convLayer, denseLayer } from "./weighted.js";
import type { LayerSpec } from "./weights.js";

export function convertLayer(
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
  const ctx: LayerCtx = { l, nm, c, ins, x, xs, b, weight, err, padding, spatial, need4d };
  switch (l.className) {
    case "Conv2D":
    case "DepthwiseConv2D":
    case "SeparableConv2D":
      return convLayer(ctx);
    case "Dense":
      return denseLayer(ctx);
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
