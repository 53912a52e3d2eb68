/**
 * Property test: random graphs of every op kind (the runtime tests' generator) written,
 * read back (with checkGraph) and written again: same IR, same bytes.
 */
import { describe, expect, it } from "vitest";
import type { Graph } from "../../toolchain/ir/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { KINDS, randomCase } from "../runtime/gen.js";

const SEEDS = 20;

/** What a file holds: scales and ranges are float32, the description defaults to "edgeq". */
function asStored(g: Graph): Graph {
  const c = structuredClone(g);
  c.description = g.description ?? "edgeq";
  for (const t of c.tensors) {
    if (!t.quant) continue;
    t.quant.scale = t.quant.scale.map(Math.fround);
    if (t.quant.min) t.quant.min = t.quant.min.map(Math.fround);
    if (t.quant.max) t.quant.max = t.quant.max.map(Math.fround);
  }
  return c;
}

describe(`round trip of random graphs (${KINDS.length} kinds x ${SEEDS} seeds)`, () => {
  for (const kind of KINDS) {
    it(`kind=${kind} seeds 1..${SEEDS}: write -> read (checked) -> same IR; rewrite byte-identical`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { graph } = randomCase(seed * 7919 + 13, kind);
        const bytes = writeTflite(graph);
        const back = readTflite(bytes, { source: `${kind} seed ${seed}` });
        expect(back).toEqual(asStored(graph));
        expect(writeTflite(back)).toEqual(bytes);
      }
    });
  }
});
