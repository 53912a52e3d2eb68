/**
 * The int8 engine backed by edgeq's integer runtime (runtime-int8/src/index.ts, the code that
 * runs on the boards): load(bytes) -> { input(i), output(i), invoke(onOp?), tensor(i) }.
 * onOp(k) fires after op k; tensor(t) is a view into the arena, read at once (the planner
 * reuses memory).
 */
import { EdgeqError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import { quantizeInt8 } from "./metrics.js";
import type { Int8Engine } from "./types.js";

type View = ArrayLike<number> & { set?(a: ArrayLike<number>): void; [i: number]: number };

export interface RuntimeModel {
  input(i: number): View;
  output(i: number): View;
  invoke(onOp?: (op: number) => void): void;
  tensor(i: number): View | null | undefined;
}

type LoadFn = (bytes: Uint8Array | ArrayBuffer) => RuntimeModel;

/** Imports the runtime's load(); undefined when the runtime module is not there. */
export async function importRuntime(): Promise<LoadFn | undefined> {
  // Resolved at run time: the runtime is built separately and imports nothing from here.
  const path = "../../runtime-int8/src/fast.js";
  try {
    const mod = (await import(path)) as { load?: LoadFn };
    return typeof mod.load === "function" ? mod.load : undefined;
  } catch {
    return undefined;
  }
}

/** Wraps a loaded runtime model; x is the real-valued input, quantized as the input tensor says. */
export function wrapRuntime(m: RuntimeModel, g: Graph): Int8Engine {
  const inT = g.tensors[g.inputs[0] ?? -1]!;
  const q = inT.quant;
  return {
    graph: g,
    run(x, onOp) {
      const dst = m.input(0);
      const src = inT.dtype === "int8" && q ? quantizeInt8(x, q.scale[0]!, q.zeroPoint[0] ?? 0) : x;
      if (dst.length !== src.length)
        throw new EdgeqError(
          "E_REPORT_RUNTIME",
          `runtime input has ${dst.length} values, sample has ${src.length}`,
        );
      for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
      const read = (t: number): ArrayLike<number> => m.tensor(t) ?? [];
      m.invoke((k) => onOp(k, read));
      return g.outputs.map((_, i) => Array.from(m.output(i)));
    },
  };
}

export async function runtimeInt8Engine(
  bytes: Uint8Array,
  g: Graph,
  path: string,
): Promise<Int8Engine | undefined> {
  const load = await importRuntime();
  if (!load) return undefined;
  let m: RuntimeModel;
  try {
    m = load(bytes);
  } catch (e) {
    throw new EdgeqError(
      "E_REPORT_RUNTIME",
      `the int8 runtime rejects this model: ${(e as Error).message}`,
      path,
    );
  }
  return wrapRuntime(m, g);
}
