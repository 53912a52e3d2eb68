/**
 * The models the native tests run: the reference models, the converter models the runtime runs,
 * the demo-shaped DS-CNN and seeded random conv / 1x1 conv / depthwise / FC / pool / chain graphs
 * (test/runtime/gen.ts), each with its inputs; and the host runtime's output bytes for them.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { load, type Model, use } from "../../runtime-int8/src/index.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { refBytes, refDir } from "../helpers/refmodels.js";
import { fcWithWeightsOffset, type Kind, randomCase } from "../runtime/gen.js";
import { demoDsCnn, int8Input } from "./models.js";

export interface NCase {
  name: string;
  bytes: Uint8Array;
  inputs: ArrayLike<number>[];
  /** Ops of this model the add-on should take (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D), at least. */
  convOps: number;
}

function convOps(bytes: Uint8Array): number {
  return load(bytes).ops.filter((o) => /CONV_2D|FULLY_CONNECTED|POOL_2D/.test(o.type)).length;
}

function mk(name: string, bytes: Uint8Array, inputs: ArrayLike<number>[]): NCase {
  return { name, bytes, inputs, convOps: convOps(bytes) };
}

/** The reference models (their README's inputs) and the converter models the runtime runs (their first `perModel` inputs). */
export function referenceCases(perModel = 8, all = true): NCase[] {
  const out: NCase[] = [];
  for (const f of all ? ["yes", "no"] : ["yes"])
    out.push(
      mk(`micro_speech ${f}`, refBytes("micro_speech_quantized"), [
        new Int8Array(refBytes(`${f}_micro_features_int8.raw`).buffer),
      ]),
    );
  for (const v of all ? [-96, -63, -34, 0] : [-63])
    out.push(
      mk(`hello_world_int8 ${v}`, refBytes("hello_world_int8"), [
        new Int8Array(refBytes(`hello_in_${v}.raw`).buffer),
      ]),
    );
  out.push(
    mk("test_conv_model", refBytes("test_conv_model"), [
      new Float32Array(refBytes("test_conv_random_f32.raw").buffer),
    ]),
  );
  for (const m of ["gap_dense", "gap_wide", "seed_mobile_block"]) {
    const bytes = new Uint8Array(readFileSync(resolve(refDir, "converter", `${m}.tflite`)));
    const n = load(bytes).tensors[load(bytes).inputs[0] as number]?.size as number;
    const all = new Int8Array(readFileSync(resolve(refDir, "converter", `${m}_inputs.raw`)).buffer.slice(0));
    for (let i = 0; i < perModel && (i + 1) * n <= all.length; i++)
      out.push(mk(`converter ${m} input ${i}`, bytes, [all.slice(i * n, (i + 1) * n)]));
  }
  return out;
}

/** The demo-shaped DS-CNN on `n` seeded inputs. */
export function demoCases(n: number): NCase[] {
  const bytes = writeTflite(demoDsCnn(1));
  return Array.from({ length: n }, (_, i) =>
    mk(`demo DS-CNN 28x28x1 input ${i}`, bytes, [int8Input(784, 100 + i)]),
  );
}

export const NATIVE_KINDS: Kind[] = ["conv", "conv1x1", "dwconv", "fc", "avgpool", "maxpool", "chain"];

/** `per` random graphs of each kind in NATIVE_KINDS from seed `from`, and 3 FULLY_CONNECTED with a weights zero point. */
export function randomCases(from: number, per: number): NCase[] {
  const out: NCase[] = [];
  for (const k of NATIVE_KINDS)
    for (let s = from; s < from + per; s++) {
      const c = randomCase(s, k);
      out.push(mk(c.name, writeTflite(c.graph), c.inputs));
    }
  for (const s of [from, from + 1, from + 2]) {
    const c = fcWithWeightsOffset(s);
    out.push(mk(c.name, writeTflite(c.graph), c.inputs));
  }
  return out;
}

const NONE = { conv: () => undefined, dw: () => undefined, mm: () => undefined };

/** Fills m's inputs, invokes, returns every output's bytes (as int8). */
export function runModel(m: Model, inputs: ArrayLike<number>[]): number[][] {
  inputs.forEach((x, i) => {
    m.input(i).set(x as Int8Array);
  });
  m.invoke();
  return m.outputs.map((_, k) => {
    const v = m.output(k);
    return Array.from(new Int8Array(v.buffer, v.byteOffset, v.byteLength));
  });
}

/** The host runtime's (the core's own loops, no E, no add-on) output bytes. */
export function hostOutputs(c: { bytes: Uint8Array; inputs: ArrayLike<number>[] }): number[][] {
  const g = globalThis as { E?: unknown };
  const saved = g.E;
  delete g.E;
  use(NONE);
  try {
    return runModel(load(c.bytes), c.inputs);
  } finally {
    if (saved !== undefined) g.E = saved;
  }
}
