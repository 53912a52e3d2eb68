/**
 * Native TFLite 2.9 through npm `tfjs-tflite-node`'s binding (builtin kernels, one thread):
 * the bit-exactness oracle of the tests and the side-by-side peer of `edgeq demo`.
 * `tfjs-tflite-node` is a development dependency: `nativeAvailable()` says whether it loaded.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

type TypedArray = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

interface NativeTensor {
  dataType: string;
  shape: string | number[];
  data(): TypedArray;
}

interface NativeInterpreter {
  getInputs(): NativeTensor[];
  getOutputs(): NativeTensor[];
  infer(): void;
}

type Binding = { Interpreter: new (model: ArrayBuffer, opts: { threads: number }) => NativeInterpreter };

let binding: Binding | undefined;
let loadError = "";
try {
  binding = require("tfjs-tflite-node/build/Release/node_tflite_binding.node") as Binding;
} catch (e) {
  loadError = (e as Error).message;
}

/** True when native TFLite (npm tfjs-tflite-node) is installed and its binding loads. */
export function nativeAvailable(): boolean {
  return binding !== undefined;
}

export interface NativeModel {
  inputs: { dtype: string; shape: number[] }[];
  outputs: { dtype: string; shape: number[] }[];
  /** Runs one inference; each input is copied into the interpreter's input tensor. */
  run(inputs: ArrayLike<number>[]): TypedArray[];
}

function shapeOf(t: NativeTensor): number[] {
  return typeof t.shape === "string" ? t.shape.split(",").map(Number) : t.shape;
}

/** Loads a .tflite into native TFLite. Throws if TFLite rejects the model. */
export function loadNative(bytes: Uint8Array): NativeModel {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (!binding) throw new Error(`native TFLite is not available (npm tfjs-tflite-node): ${loadError}`);
  const it = new binding.Interpreter(ab, { threads: 1 });
  return {
    inputs: it.getInputs().map((t) => ({ dtype: t.dataType, shape: shapeOf(t) })),
    outputs: it.getOutputs().map((t) => ({ dtype: t.dataType, shape: shapeOf(t) })),
    run(inputs) {
      const ins = it.getInputs();
      inputs.forEach((x, i) => {
        const t = ins[i];
        if (!t) throw new Error(`native: model has ${ins.length} inputs, got ${inputs.length}`);
        t.data().set(x);
      });
      it.infer();
      return it.getOutputs().map((t) => t.data().slice());
    },
  };
}
