/**
 * edgeq run MODEL.tflite --input FILE.raw [--input FILE.raw ...] [--json]
 * Runs the model once with edgeq's int8 runtime (runtime-int8, the same code that runs on the
 * board) on raw little-endian input bytes (each tensor's own type: int8, or float32 for a
 * float-edged model) and prints the outputs; --json prints {"outputs":[[...]]}.
 */
import { readFileSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { load } from "../../runtime-int8/src/fast.js";
import { EdgeqError } from "../errors.js";

const DTYPE: Record<number, string> = { 0: "float32", 2: "int32", 3: "uint8", 9: "int8" };

function readFile(path: string, what: string): Uint8Array {
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    return new Uint8Array(readFileSync(path));
  } catch {
    throw new EdgeqError("run/not-found", `cannot read ${what} ${path}: no such file; check the path`, path);
  }
}

export interface RunResult {
  outputs: { dtype: string; shape: number[]; values: number[] }[];
  arenaBytes: number;
}

/** Loads the model with the int8 runtime, fills each input from its raw file, invokes once. */
export function runModelFiles(modelPath: string, inputPaths: string[]): RunResult {
  const bytes = readFile(modelPath, "model");
  let m: ReturnType<typeof load>;
  try {
    m = load(bytes);
  } catch (e) {
    throw new EdgeqError(
      "run/bad-model",
      `${modelPath}: ${(e as Error).message.replace(/^edgeqrt: /, "")}; give an int8 .tflite made by edgeq or TFLite's converter`,
      modelPath,
    );
  }
  if (inputPaths.length !== m.inputs.length)
    throw new EdgeqError(
      "run/inputs",
      `${modelPath} has ${m.inputs.length} input(s) but ${inputPaths.length} --input file(s) were given; pass one raw file per input`,
      modelPath,
    );
  inputPaths.forEach((p, i) => {
    const v = m.input(i);
    const t = m.tensors[m.inputs[i] as number]!;
    const raw = readFile(p, `input ${i}`);
    if (raw.byteLength !== v.byteLength)
      throw new EdgeqError(
        "run/input-size",
        `${p} has ${raw.byteLength} bytes but input ${i} of ${modelPath} is ${DTYPE[t.type] ?? t.type} [${t.shape}] = ${v.byteLength} bytes; give raw little-endian bytes of that tensor`,
        p,
      );
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(raw);
  });
  m.invoke();
  return {
    arenaBytes: m.arenaBytes,
    outputs: m.outputs.map((t, k) => ({
      dtype: DTYPE[m.tensors[t]!.type] ?? String(m.tensors[t]!.type),
      shape: m.tensors[t]!.shape,
      values: Array.from(m.output(k)),
    })),
  };
}

/** The --input values in order (citty keeps only the last of a repeated flag). */
function inputArgs(rawArgs: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i] as string;
    if (a === "--input" || a === "-i") {
      const v = rawArgs[i + 1];
      if (v === undefined || v.startsWith("-"))
        throw new EdgeqError(
          "run/usage",
          "--input needs a file name (a .raw file of the input tensor's bytes)",
        );
      out.push(v);
      i++;
    } else if (a.startsWith("--input=")) out.push(a.slice(8));
  }
  return out;
}

export default defineCommand({
  meta: {
    name: "run",
    description:
      "Run a .tflite model once with edgeq's int8 runtime on raw little-endian input bytes and print its outputs",
  },
  args: {
    model: { type: "positional", required: true, description: "the .tflite file" },
    input: {
      type: "string",
      alias: "i",
      description: "raw input bytes (the tensor's own type, little-endian); repeat once per model input",
    },
    json: { type: "boolean", description: 'print {"outputs":[[...]]}' },
  },
  run({ args, rawArgs }) {
    const model = String(args.model);
    const r = runModelFiles(model, inputArgs(rawArgs));
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ outputs: r.outputs.map((o) => o.values) })}\n`);
      return;
    }
    r.outputs.forEach((o, k) => {
      process.stdout.write(`output ${k} ${o.dtype} [${o.shape.join(",")}]: ${o.values.join(" ")}\n`);
    });
    process.stdout.write(`arena ${r.arenaBytes} bytes\n`);
  },
});
