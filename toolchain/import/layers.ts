/**
 * tfjs LayersModel -> float Graph (raw: BatchNorm as MUL + ADD, activations as separate ops
 * or fused options as Keras declares them). rewrite.ts folds and fuses afterwards.
 */
import { EdgeqError } from "../errors.js";
import { GraphBuilder } from "./builder.js";
import { convertLayer } from "./convert.js";
import { type Cfg, pair, SUPPORTED_LAYERS } from "./layer-util.js";
import { findWeight, type LayerSpec, type LayersModelFile } from "./weights.js";

export { SUPPORTED_LAYERS };

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
