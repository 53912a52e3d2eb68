import type { Graph, MetadataEntry } from "./types.js";

/** Metadata names edgeq writes into Model.metadata (UTF-8 JSON payloads). */
export const META_LABELS = "edgeq.labels";
export const META_INPUT_NORM = "edgeq.input_norm";

/** How float input pixels were normalised before the model: x' = (x - mean) / std. */
export interface InputNorm {
  mean: number;
  std: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false });

export function jsonEntry(name: string, value: unknown): MetadataEntry {
  return { name, data: enc.encode(JSON.stringify(value)) };
}

function readJson(g: Graph, name: string): unknown {
  const e = g.metadata?.find((m) => m.name === name);
  if (!e) return undefined;
  try {
    return JSON.parse(dec.decode(e.data));
  } catch {
    return undefined;
  }
}

/** Class labels stored in the model, or undefined. Non-string entries are stringified. */
export function getLabels(g: Graph): string[] | undefined {
  const v = readJson(g, META_LABELS);
  return Array.isArray(v) ? v.map((x) => String(x)) : undefined;
}

export function getInputNorm(g: Graph): InputNorm | undefined {
  const v = readJson(g, META_INPUT_NORM) as Partial<InputNorm> | undefined;
  return v && typeof v.mean === "number" && typeof v.std === "number"
    ? { mean: v.mean, std: v.std }
    : undefined;
}

/** Returns a copy of the metadata list with `entry` set (replacing one of the same name). */
export function withMetadata(g: Graph, entry: MetadataEntry): MetadataEntry[] {
  return [...(g.metadata ?? []).filter((m) => m.name !== entry.name), entry];
}
