/**
 * In-place DEPTHWISE_CONV_2D (multiplier 1: the output takes the input's bytes, plus a per-channel
 * plane live during the op only) with the model's constants written as its last tensors, so
 * tensors at the end of the list never get an arena slot and the planes' planner entries follow
 * them (a short lifetime array once put a plane over live bytes). The core's own loops (no
 * add-on) against native TFLite 2.9, op by op; the output must really sit on the input's bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fast } from "../../runtime-int8/src/addons/fast/fast.js";
import { type Fast, load, use } from "../../runtime-int8/src/index.js";
import type { Graph } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { type Case, randomCase } from "./gen.js";
import { checkCase, newTally } from "./parity.js";

/** The same graph with its constant tensors moved to the end of the tensor list. */
function constantsLast(g: Graph): Graph {
  const order = g.tensors
    .map((_, i) => i)
    .sort((a, b) => Number(!!g.tensors[a]?.data) - Number(!!g.tensors[b]?.data) || a - b);
  const at = new Map(order.map((old, i) => [old, i]));
  const map = (i: number) => (i < 0 ? i : (at.get(i) as number));
  return {
    ...g,
    tensors: order.map((i) => g.tensors[i]!),
    inputs: g.inputs.map(map),
    outputs: g.outputs.map(map),
    ops: g.ops.map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) })),
  } as Graph;
}

// single depthwise ops with multiplier 1, and chains (which hold in-place depthwise ops mid-graph)
const cases: Case[] = [];
for (let seed = 7000; cases.length < 12; seed++) {
  const c = randomCase(seed, "dwconv");
  if (c.name.includes("mult=1 ")) cases.push({ ...c, graph: constantsLast(c.graph) });
}
for (let seed = 7100; seed < 7106; seed++) {
  const c = randomCase(seed, "chain");
  cases.push({ ...c, graph: constantsLast(c.graph) });
}

describe("in-place depthwise with the constants as the last tensors (core loops vs native TFLite 2.9)", () => {
  // parity.ts installs the host add-on (src/fast.ts), whose depthwise never uses the plane: run
  // the core's own loops here
  beforeAll(() => {
    use(undefined as unknown as Fast);
  });
  afterAll(() => {
    use(fast);
  });
  for (const c of cases)
    it(`${c.name} (constants last)`, () => {
      checkCase(c, newTally(), load);
      if (c.graph.ops.length === 1) {
        // a lone depthwise op runs in place: its output starts at its input's bytes
        const m = load(writeTflite(c.graph));
        const op = c.graph.ops[0]!;
        expect(m.tensor(op.outputs[0] as number).byteOffset).toBe(
          m.tensor(op.inputs[0] as number).byteOffset,
        );
      }
    });
});
