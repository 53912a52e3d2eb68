/**
 * edgeq inspect MODEL.tflite [--json]
 * Inputs/outputs, every op with its tensors (shape, dtype, quantization), MACs and params per
 * op and in total, separable blocks vs a standard conv, size split into weights / structure.
 * Any valid .tflite: ops edgeq cannot run are named (TFLite's whole builtin table) and marked
 * "not supported by the runtime"; the command still exits 0.
 */
import { readFileSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { EdgeqError } from "../errors.js";
import { inspectModel, renderInspect } from "../tflite/inspect.js";

/** Reads a model file; a missing or unreadable file is an EdgeqError naming the path. */
export function readModelFile(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new EdgeqError("inspect/not-a-file", `${path} is not a file; give a .tflite file`, path);
    size = st.size;
  } catch (e) {
    if (e instanceof EdgeqError) throw e;
    throw new EdgeqError("inspect/not-found", `cannot read ${path}: no such file; check the path`, path);
  }
  if (size > 512 * 1024 * 1024) {
    throw new EdgeqError(
      "inspect/too-large",
      `${path} is ${size} bytes; edgeq reads models up to 512 MB`,
      path,
    );
  }
  return new Uint8Array(readFileSync(path));
}

export default defineCommand({
  meta: {
    name: "inspect",
    description:
      "Show a .tflite model: inputs/outputs, ops with tensor shapes, dtypes and quantization, MACs and params " +
      "per op and in total, separable blocks vs standard convs, size split into weights / structure; " +
      "ops the runtime cannot run are named and marked 'not supported by the runtime'",
  },
  args: {
    model: { type: "positional", required: true, description: "the .tflite file" },
    json: { type: "boolean", description: "print the report as JSON" },
  },
  run({ args }) {
    const path = String(args.model);
    const report = inspectModel(readModelFile(path), path);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
  },
});
