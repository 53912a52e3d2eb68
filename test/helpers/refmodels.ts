/** Paths and data of ../shared/reference-models (real converter output; see its README). */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const refDir = resolve(repoRoot, "../shared/reference-models");

export const REF_MODELS = [
  "hello_world_int8",
  "hello_world_float",
  "micro_speech_quantized",
  "test_conv_model",
] as const;
export type RefModel = (typeof REF_MODELS)[number];

export function refBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(refDir, name.endsWith(".raw") ? name : `${name}.tflite`)));
}

/** Reference inputs and the outputs native TFLite gives, as the README lists them. */
export const REF_CASES: Record<RefModel, { input: () => ArrayLike<number>; output: number[] }[]> = {
  hello_world_int8: [
    { input: () => new Int8Array(refBytes("hello_in_-96.raw").buffer), output: [89] },
    { input: () => new Int8Array(refBytes("hello_in_-63.raw").buffer), output: [125] },
    { input: () => new Int8Array(refBytes("hello_in_-34.raw").buffer), output: [93] },
    { input: () => new Int8Array(refBytes("hello_in_0.raw").buffer), output: [4] },
  ],
  hello_world_float: [],
  micro_speech_quantized: [
    {
      input: () => new Int8Array(refBytes("yes_micro_features_int8.raw").buffer),
      output: [-128, -128, 127, -128],
    },
    {
      input: () => new Int8Array(refBytes("no_micro_features_int8.raw").buffer),
      output: [-128, -114, -128, 114],
    },
  ],
  test_conv_model: [
    {
      input: () => new Float32Array(refBytes("test_conv_random_f32.raw").buffer),
      output: [
        -0.2286050021648407, -0.22555693984031677, 0.19507627189159393, 0.2560375928878784,
        0.08534587174654007, 0.14630720019340515, 0.33833539485931396, -0.43892160058021545,
        -0.07924973219633102, 0.10363426804542542,
      ],
    },
  ],
};
