/**
 * TFLite file format: edgeq's writer and verifying reader against TensorFlow's converter
 * output (the reference models) and two decoders measured in the same run: the
 * flatc-generated decoder (no verification) and native TFLite 2.9's loader.
 */
import { ByteBuffer } from "flatbuffers";
import { REF_MODELS, refBytes } from "../test/helpers/refmodels.js";
import { loadNative } from "../test/oracles/native.js";
import { Model } from "../toolchain/tflite/generated/tflite/model.js";
import { readTflite } from "../toolchain/tflite/read.js";
import { writeTflite } from "../toolchain/tflite/write.js";
import type { BenchResult } from "./run.js";

function timeIt(f: () => void, minMs = 200): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    f();
    n++;
  }
  return (performance.now() - t0) / n;
}

/** Touches every tensor, buffer and operator through the flatc-generated (unverified) accessors. */
function flatcDecode(bytes: Uint8Array): number {
  const m = Model.getRootAsModel(new ByteBuffer(bytes));
  const sg = m.subgraphs(0)!;
  let s = 0;
  for (let i = 0; i < sg.tensorsLength(); i++) {
    const t = sg.tensors(i)!;
    s += (t.shapeArray()?.length ?? 0) + (t.name()?.length ?? 0) + (m.buffers(t.buffer())?.dataLength() ?? 0);
    s += t.quantization()?.scaleArray()?.length ?? 0;
  }
  for (let i = 0; i < sg.operatorsLength(); i++) s += sg.operators(i)!.inputsArray()?.length ?? 0;
  return s;
}

export default async function (): Promise<BenchResult> {
  const lines: string[] = [];
  const data: Record<string, unknown> = {};
  for (const name of REF_MODELS) {
    // warm up the JIT on every path before timing anything
    const bytes = refBytes(name);
    for (let i = 0; i < 20; i++) flatcDecode(writeTflite(readTflite(bytes)));
  }
  lines.push("model                     converter B  edgeq B  ratio   read us  flatc us  native load us");
  for (const name of REF_MODELS) {
    const bytes = refBytes(name);
    const g = readTflite(bytes);
    const out = writeTflite(g);
    const weights = g.tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0), 0);
    const read = timeIt(() => readTflite(bytes)) * 1000;
    const flatc = timeIt(() => flatcDecode(bytes)) * 1000;
    const native = timeIt(() => loadNative(bytes)) * 1000;
    lines.push(
      `${name.padEnd(25)} ${String(bytes.length).padStart(11)}  ${String(out.length).padStart(7)}  ` +
        `${(out.length / bytes.length).toFixed(3)}  ${read.toFixed(0).padStart(8)}  ${flatc.toFixed(0).padStart(8)}  ` +
        `${native.toFixed(0).padStart(14)}`,
    );
    data[name] = {
      converterBytes: bytes.length,
      edgeqBytes: out.length,
      weightBytes: weights,
      converterStructure: bytes.length - weights,
      edgeqStructure: out.length - weights,
      readUs: read,
      flatcDecodeUs: flatc,
      nativeLoadUs: native,
    };
  }
  lines.push("(edgeq B: the same model read and rewritten by edgeq; read = verifying reader -> IR)");
  return { name: "tflite", lines, data };
}
