/**
 * edgeq bundle MODEL.tflite --out DIR
 * Writes DIR/edgeq-rt.js and DIR/edgeq-rt.min.js: the int8 runtime holding only the kernels
 * MODEL uses (like TFLite Micro's op-resolver generator), ES5, the same API as the full bundle.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { EdgeqError } from "../errors.js";
import { runtimeForModel } from "../runtime-bundle.js";
import { readModelFile } from "./inspect.js";

export default defineCommand({
  meta: {
    name: "bundle",
    description:
      "Write a runtime for one model: DIR/edgeq-rt.js (readable ES5) and DIR/edgeq-rt.min.js holding only the " +
      "kernels MODEL uses, with the full runtime's API (edgeqrt.load, edgeqrt.use); prints the kernels and sizes",
  },
  args: {
    model: { type: "positional", required: true, description: "the int8 .tflite file" },
    out: { type: "string", required: true, description: "output directory (created if missing)" },
    json: { type: "boolean", description: "print the kernels and sizes as JSON" },
  },
  async run({ args }) {
    const path = String(args.model);
    const out = String(args.out);
    const rt = await runtimeForModel(readModelFile(path), path);
    try {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "edgeq-rt.js"), rt.readable);
      writeFileSync(join(out, "edgeq-rt.min.js"), rt.code);
    } catch (e) {
      throw new EdgeqError("bundle/write", `cannot write to ${out}: ${(e as Error).message}`, out);
    }
    const sizes = { minBytes: rt.code.length, gzipBytes: rt.gzipBytes, readableBytes: rt.readable.length };
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ model: path, out, kernels: rt.ops, ...sizes }, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `${path}: runtime with ${rt.ops.length} kernels (${rt.ops.join(", ")})\n` +
        `  ${join(out, "edgeq-rt.min.js")}: ${sizes.minBytes} B (gzip ${sizes.gzipBytes} B)\n` +
        `  ${join(out, "edgeq-rt.js")}: ${sizes.readableBytes} B (readable)\n`,
    );
  },
});
