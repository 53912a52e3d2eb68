/** Reads a tfjs LayersModel's model.json and its weight files into named Float32Arrays. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EdgeqError } from "../errors.js";

export interface LayerSpec {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Inbound layer names (functional models); undefined in a Sequential model. */
  inbound?: string[];
}

export interface LayersModelFile {
  /** Sequential or functional, flattened to a layer list in topological order. */
  layers: LayerSpec[];
  sequential: boolean;
  /** modelTopology.keras_version, e.g. "tfjs-layers 4.22.0" or "2.15.0". */
  producer: string;
  inputLayers: string[];
  outputLayers: string[];
  weights: Map<string, { shape: number[]; data: Float32Array }>;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

function parseLayer(l: Record<string, unknown>, file: string): LayerSpec {
  const config = (l.config ?? {}) as Record<string, unknown>;
  const className = String(l.class_name ?? "");
  const name = String(config.name ?? l.name ?? className);
  const spec: LayerSpec = { className, name, config };
  const nodes = l.inbound_nodes as unknown[] | undefined;
  if (Array.isArray(nodes) && nodes.length > 0) {
    if (nodes.length > 1)
      throw new EdgeqError(
        "E_IMPORT_SHARED",
        `layer '${name}' is called more than once (shared layers)`,
        file,
      );
    const node = nodes[0] as unknown;
    // Keras 2 / tfjs: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3: { args: [tensor | [tensors]] }
    let conns = Array.isArray(node) ? (node as unknown[]) : ((node as { args?: unknown[] }).args ?? []);
    if (!Array.isArray(node) && conns.length === 1 && Array.isArray(conns[0])) conns = conns[0] as unknown[];
    spec.inbound = conns.map((c) =>
      Array.isArray(c)
        ? String(c[0])
        : String((c as { config?: { keras_history?: unknown[] } }).config?.keras_history?.[0]),
    );
  }
  return spec;
}

/** Parses model.json (and reads the weight files next to it). */
export function readLayersModel(path: string): LayersModelFile {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new EdgeqError(
      "E_IMPORT_JSON",
      `cannot read model.json: ${(e as Error).message}; pass a tfjs LayersModel model.json`,
      path,
    );
  }
  const topo = (json.modelTopology ?? json) as Record<string, unknown>;
  const root = ((topo.model_config as Record<string, unknown> | undefined) ?? topo) as Record<
    string,
    unknown
  >;
  const cls = String(root.class_name ?? "");
  const cfg = root.config as Record<string, unknown> | unknown[] | undefined;
  if (!cfg || !["Sequential", "Model", "Functional"].includes(cls))
    throw new EdgeqError(
      "E_IMPORT_FORMAT",
      `model.json has no Sequential/Functional modelTopology (class '${cls}'); export the model with tfjs model.save()`,
      path,
    );
  const rawLayers = (Array.isArray(cfg) ? cfg : (cfg.layers as unknown[])) as Record<string, unknown>[];
  const layers = rawLayers.map((l) => parseLayer(l, path));
  const sequential = cls === "Sequential";
  const names = (k: string): string[] =>
    Array.isArray(cfg)
      ? []
      : (((cfg as Record<string, unknown>)[k] as unknown[][] | undefined) ?? []).map((x) => String(x[0]));
  const weights = readWeights(json, path);
  const producer = String(topo.keras_version ?? "");
  return {
    layers,
    sequential,
    producer,
    inputLayers: names("input_layers"),
    outputLayers: names("output_layers"),
    weights,
  };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

function readWeights(json: Record<string, unknown>, path: string): LayersModelFile["weights"] {
  const out: LayersModelFile["weights"] = new Map();
  const manifest = (json.weightsManifest ?? []) as { paths: string[]; weights: WeightEntry[] }[];
  for (const group of manifest) {
    const chunks = group.paths.map((p) => {
      const f = join(dirname(path), p);
      if (!existsSync(f))
        throw new EdgeqError(
          "E_IMPORT_WEIGHTS",
          `weight file '${p}' listed in model.json is missing; keep it next to model.json`,
          path,
        );
      return readFileSync(f);
    });
    const buf = Buffer.concat(chunks);
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const stored = q?.dtype ?? w.dtype;
      const size = BYTES[stored];
      if (!size)
        throw new EdgeqError("E_IMPORT_WEIGHTS", `weight '${w.name}' has unsupported dtype ${stored}`, path);
      if (off + n * size > buf.length)
        throw new EdgeqError(
          "E_IMPORT_WEIGHTS",
          `weight file too short: '${w.name}' needs bytes ${off}..${off + n * size}, files hold ${buf.length}; re-export the model`,
          path,
        );
      const data = new Float32Array(n);
      const dv = new DataView(buf.buffer, buf.byteOffset + off, n * size);
      for (let i = 0; i < n; i++) {
        let v: number;
        if (stored === "float32") v = dv.getFloat32(i * 4, true);
        else if (stored === "int32") v = dv.getInt32(i * 4, true);
        else if (stored === "uint8" || stored === "bool") v = dv.getUint8(i);
        else if (stored === "uint16") v = dv.getUint16(i * 2, true);
        else
          throw new EdgeqError(
            "E_IMPORT_WEIGHTS",
            `weight '${w.name}': float16 weights are not supported`,
            path,
          );
        if (q && stored !== w.dtype) v = (q.min ?? 0) + v * (q.scale ?? 1);
        data[i] = v;
      }
      out.set(w.name, { shape: w.shape, data });
      off += n * size;
    }
  }
  return out;
}

/** Finds weight `w` of layer `layer` (exact `layer/w`, or a name ending in `/layer/w`). */
export function findWeight(
  m: LayersModelFile,
  layer: string,
  w: string,
): { shape: number[]; data: Float32Array } | undefined {
  const exact = m.weights.get(`${layer}/${w}`);
  if (exact) return exact;
  for (const [k, v] of m.weights) if (k.endsWith(`/${layer}/${w}`)) return v;
  return undefined;
}
