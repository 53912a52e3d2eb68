/** Shared pieces of the layer converters: config helpers, the per-layer context, activations. */
import type { Activation, Padding } from "../ir/types.js";
import type { GraphBuilder } from "./builder.js";
import type { LayerSpec } from "./weights.js";

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

export type Cfg = Record<string, unknown>;
export type WeightFn = (l: LayerSpec, w: string, n?: number) => Float32Array;

/** Everything a layer converter needs: the layer, its input(s) and the graph being built. */
export interface LayerCtx {
  l: LayerSpec;
  /** Short name for the layer's output tensor. */
  nm: string;
  c: Cfg;
  ins: number[];
  x: number;
  xs: number[];
  b: GraphBuilder;
  weight: WeightFn;
  err: (l: LayerSpec, m: string) => never;
  padding(): Padding;
  spatial(k: [number, number], s: [number, number], d: [number, number]): [number, number];
  need4d(): void;
}

export const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v)
    ? [Number(v[0] ?? dflt), Number(v[1] ?? v[0] ?? dflt)]
    : v == null
      ? [dflt, dflt]
      : [Number(v), Number(v)];

export function activation(
  l: LayerSpec,
  nm: string,
  act: unknown,
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
  return err(l, `activation '${a}' is not supported (supported: linear, relu, relu6, softmax)`);
}

export function reshape(b: GraphBuilder, nm: string, x: number, shape: number[]): number {
  const st = b.const(`${nm}/shape`, [shape.length], new Int32Array(shape));
  const y = b.tensor(nm, shape);
  b.op({ type: "RESHAPE", inputs: [x, st], outputs: [y], options: { newShape: shape } });
  return y;
}
