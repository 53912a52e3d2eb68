/**
 * Runs the same runtime bundle that goes onto the board, on the host (node:vm), so the
 * board's output bytes can be compared with the host's byte for byte.
 */
import { runInNewContext } from "node:vm";
import { EdgeqError } from "../errors.js";

/** What edgeqrt.load returns (runtime-int8 contract). */
export interface RtModel {
  input(i: number): Int8Array;
  output(i: number): Int8Array;
  invoke(): void;
  arenaBytes: number;
  outputs?: number[] | number;
}

export interface RtGlobal {
  load(bytes: Uint8Array | ArrayBuffer): RtModel;
}

/** Evaluates the bundle as a script and returns its global `edgeqrt`. */
export function evalBundle(bundle: string, where = "runtime bundle"): RtGlobal {
  const sandbox: Record<string, unknown> = {};
  runInNewContext(bundle, sandbox, { filename: where });
  const rt = sandbox.edgeqrt as RtGlobal | undefined;
  if (!rt || typeof rt.load !== "function") {
    throw new EdgeqError(
      "BAD_RUNTIME",
      `${where} does not define a global 'edgeqrt' with load(); rebuild it with 'npm run build:rt'`,
      where,
    );
  }
  return rt;
}

export interface HostRun {
  outputs: Int8Array[];
  inputBytes: number;
  arenaBytes: number;
}

/** Loads `model`, copies `input` (raw int8 bytes) into input 0, invokes, copies out `nOut` outputs. */
export function runOnHost(rt: RtGlobal, model: Uint8Array, input: Uint8Array, nOut: number): HostRun {
  const m = rt.load(new Uint8Array(model));
  const x = m.input(0);
  if (input.length !== x.length) {
    throw new EdgeqError(
      "BAD_INPUT",
      `the check input has ${input.length} bytes but the model's input 0 has ${x.length} int8 elements; give a raw file of exactly ${x.length} bytes`,
    );
  }
  for (let i = 0; i < x.length; i++) x[i] = (input[i]! << 24) >> 24;
  m.invoke();
  const outputs: Int8Array[] = [];
  for (let i = 0; i < nOut; i++) outputs.push(Int8Array.from(m.output(i)));
  return { outputs, inputBytes: x.length, arenaBytes: m.arenaBytes };
}
