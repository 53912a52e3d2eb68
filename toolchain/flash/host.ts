/**
 * Runs the same runtime bundle that goes onto the board, on the host (node:vm), so the
 * board's output bytes can be compared with the host's byte for byte.
 */
import { runInNewContext } from "node:vm";
import { EdgeqError } from "../errors.js";

/** A tensor view: Int8Array for int8 tensors, Float32Array for a float input/output, ... */
export type TypedView = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

/** What edgeqrt.load returns (runtime-int8 contract). */
export interface RtModel {
  input(i: number): TypedView;
  output(i: number): TypedView;
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
  outputs: TypedView[];
  inputBytes: number;
  arenaBytes: number;
}

/** A copy of `bytes` as a typed array of the named type (host realm; views from node:vm are another realm). */
export function asType(name: string, bytes: Uint8Array): TypedView {
  const b = bytes.slice();
  switch (name) {
    case "Float32Array":
      return new Float32Array(b.buffer, 0, b.length >> 2);
    case "Int32Array":
      return new Int32Array(b.buffer, 0, b.length >> 2);
    case "Int16Array":
      return new Int16Array(b.buffer, 0, b.length >> 1);
    case "Uint8Array":
      return b;
    default:
      return new Int8Array(b.buffer);
  }
}

/** The bytes of a view (little-endian, as on the board). */
export function viewBytes(v: TypedView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Loads `model`, copies `input` (the raw bytes of input 0 in its own type: int8, or float32
 * little-endian for a float input) into input 0, invokes, copies out `nOut` outputs.
 */
export function runOnHost(rt: RtGlobal, model: Uint8Array, input: Uint8Array, nOut: number): HostRun {
  const m = rt.load(new Uint8Array(model));
  const x = m.input(0);
  if (input.length !== x.byteLength) {
    const type = x.constructor.name.replace("Array", "").toLowerCase();
    throw new EdgeqError(
      "BAD_INPUT",
      `the check input has ${input.length} bytes but the model's input 0 has ${x.length} ${type} elements (${x.byteLength} bytes); give a raw file of exactly ${x.byteLength} bytes`,
    );
  }
  viewBytes(x).set(input);
  m.invoke();
  const outputs: TypedView[] = [];
  for (let i = 0; i < nOut; i++) {
    const y = m.output(i);
    outputs.push(asType(y.constructor.name, viewBytes(y)));
  }
  return { outputs, inputBytes: x.byteLength, arenaBytes: m.arenaBytes };
}
