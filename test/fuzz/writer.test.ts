/**
 * Writer and checkGraph robustness: seeded mutations of valid IR graphs (indices, shapes,
 * dtypes, data, quant params, options). checkGraph/graphCost and writeTflite either throw
 * EdgeqError or succeed; a written file the reader parses or rejects with EdgeqError.
 */
import { describe, expect, it } from "vitest";
import { EdgeqError } from "../../toolchain/errors.js";
import { graphCost } from "../../toolchain/ir/cost.js";
import { checkGraph } from "../../toolchain/ir/shapes.js";
import type { DType, Graph } from "../../toolchain/ir/types.js";
import { readTflite } from "../../toolchain/tflite/read.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { int8DsCnn, rng } from "../helpers/models.js";
import { KINDS, randomCase } from "../runtime/gen.js";

const DTYPES: DType[] = ["float32", "int8", "uint8", "int16", "int32", "int64", "bool"];
const WEIRD = [-2, -1, 0, 1, 3, 255, 2 ** 31, Number.NaN, 1.5];

function mutateGraph(g: Graph, r: () => number): void {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const t = pick(g.tensors);
  const op = pick(g.ops);
  switch (Math.floor(r() * 10)) {
    case 0:
      op.inputs[Math.floor(r() * op.inputs.length)] = pick(WEIRD);
      break;
    case 1:
      op.outputs[0] = pick([...WEIRD, g.tensors.length]);
      break;
    case 2:
      t.shape[Math.floor(r() * Math.max(1, t.shape.length))] = pick(WEIRD);
      break;
    case 3:
      t.dtype = pick(DTYPES);
      break;
    case 4:
      if (t.data) t.data = t.data.subarray(0, Math.floor(r() * t.data.length));
      else t.data = new Int8Array(3);
      break;
    case 5:
      t.quant = { scale: [pick(WEIRD)], zeroPoint: r() < 0.5 ? [] : [pick(WEIRD)], axis: pick(WEIRD) };
      break;
    case 6:
      (op.options as Record<string, unknown>)[
        pick(["activation", "padding", "axis", "strideH", "newShape"])
      ] = pick<unknown>(["TANH", "FULL", -1, Number.NaN, [1, -1], undefined]);
      break;
    case 7:
      (op as { type: string }).type = pick(["TANH", "CUSTOM", "CONV_2D", "MEAN"]);
      break;
    case 8:
      g.inputs = [pick(WEIRD)];
      break;
    default:
      g.metadata = [{ name: "\u0000\uffff", data: new Uint8Array(Math.floor(r() * 40)) }];
  }
}

describe("writer / checkGraph fuzz: mutated IR -> EdgeqError or a file the reader handles", () => {
  it("2000 mutations of random graphs (all op kinds) and the int8 DS-CNN, seed 1", () => {
    const r = rng(1);
    const counts = { checked: 0, written: 0, rejected: 0, readBack: 0, readRejected: 0 };
    for (let i = 0; i < 2000; i++) {
      const g = i % 4 === 0 ? int8DsCnn(i) : randomCase(i, KINDS[i % KINDS.length]!).graph;
      for (let m = 0; m < 1 + Math.floor(r() * 3); m++) mutateGraph(g, r);
      try {
        checkGraph(g);
        graphCost(g);
        counts.checked++;
      } catch (e) {
        if (!(e instanceof EdgeqError))
          throw new Error(`checkGraph/graphCost crashed on mutant ${i}: ${String(e)}`);
      }
      let bytes: Uint8Array | undefined;
      try {
        bytes = writeTflite(g);
        counts.written++;
      } catch (e) {
        if (!(e instanceof EdgeqError)) throw new Error(`writer crashed on mutant ${i}: ${String(e)}`);
        counts.rejected++;
      }
      if (!bytes) continue;
      try {
        readTflite(bytes, { onWarning: () => {} });
        counts.readBack++;
      } catch (e) {
        if (!(e instanceof EdgeqError))
          throw new Error(`reader crashed on written mutant ${i}: ${String(e)}`);
        counts.readRejected++;
      }
    }
    expect(counts.rejected).toBeGreaterThan(200);
    expect(counts.readBack).toBeGreaterThan(100);
    expect(counts.readRejected).toBeGreaterThan(100);
  });
});
