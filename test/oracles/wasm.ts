/**
 * TFLite compiled to WASM (npm @tensorflow/tfjs-tflite, the SIMD build), loaded directly in
 * Node with {wasmBinary}. Real TFLite with XNNPACK always on, so int8 results may differ from
 * native TFLite by 1. Same shape of API as native.ts, but loading is async.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const WASM_DIR = "@tensorflow/tfjs-tflite/wasm/";

type TypedArray = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;

interface CppVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface WasmTensor {
  name: string;
  dataType: string;
  shape: string;
  data(): TypedArray;
}
interface WasmRunner {
  GetInputs(): CppVector<WasmTensor>;
  GetOutputs(): CppVector<WasmTensor>;
  Infer(): boolean;
  delete(): void;
}
interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      len: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): { ok(): boolean; errorMessage(): string; value(): WasmRunner };
  };
}

let modulePromise: Promise<WasmModule> | undefined;
const log: string[] = [];

function wasmModule(): Promise<WasmModule> {
  if (!modulePromise) {
    const factory = require(`${WASM_DIR}tflite_web_api_cc_simd.js`) as (m: object) => Promise<WasmModule>;
    const wasmBinary = readFileSync(require.resolve(`${WASM_DIR}tflite_web_api_cc_simd.wasm`));
    modulePromise = factory({
      wasmBinary,
      print: () => {},
      printErr: (s: string) => {
        if (!s.startsWith("INFO:")) log.push(s);
      },
    });
  }
  return modulePromise;
}

function toArray<T>(v: CppVector<T>): T[] {
  try {
    return Array.from({ length: v.size() }, (_, i) => v.get(i));
  } finally {
    v.delete();
  }
}

export interface WasmModel {
  inputs: { dtype: string; shape: number[] }[];
  outputs: { dtype: string; shape: number[] }[];
  run(inputs: ArrayLike<number>[]): TypedArray[];
  dispose(): void;
}

/** Loads a .tflite into TFLite-WASM (one thread). Throws if TFLite rejects the model. */
export async function loadWasm(bytes: Uint8Array): Promise<WasmModel> {
  const M = await wasmModule();
  const ptr = M._malloc(bytes.length);
  M.HEAPU8.set(bytes, ptr);
  log.length = 0;
  const res = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!res.ok()) {
    M._free(ptr);
    throw new Error(`tflite-wasm: ${res.errorMessage()} ${log.join(" ")}`);
  }
  const runner = res.value();
  const info = (t: WasmTensor) => ({ dtype: t.dataType, shape: String(t.shape).split(",").map(Number) });
  return {
    inputs: toArray(runner.GetInputs()).map(info),
    outputs: toArray(runner.GetOutputs()).map(info),
    run(inputs) {
      const ins = toArray(runner.GetInputs());
      inputs.forEach((x, i) => {
        const t = ins[i];
        if (!t) throw new Error(`tflite-wasm: model has ${ins.length} inputs, got ${inputs.length}`);
        t.data().set(x);
      });
      if (!runner.Infer()) throw new Error(`tflite-wasm: inference failed ${log.join(" ")}`);
      return toArray(runner.GetOutputs()).map((t) => t.data().slice());
    },
    dispose() {
      runner.delete();
      M._free(ptr);
    },
  };
}
