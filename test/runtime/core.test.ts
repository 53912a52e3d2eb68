/**
 * The split bundle: the core (dist/edgeq-rt.min.js) alone runs every op with its plain loops and
 * must equal native TFLite 2.9 (same parity check as random.test.ts, a subset: 4 models of every
 * kind); the core with the add-on (dist/edgeq-rt-fast.min.js evaluated after it, installing its
 * host kernels through edgeqrt.use) must equal the core alone, and the add-on's kernels must
 * really run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildRuntime, type RuntimeBundle } from "../../runtime-int8/build.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { fcWithWeightsOffset, KINDS, randomCase } from "./gen.js";
import { mobilenetInput, mobilenetV1 } from "./mobilenet.js";
import { checkCase, newTally } from "./parity.js";
import { evalScripts, outputs, type Rt, useCounted } from "./scripts.js";

type Counted = { rt: Rt; calls: () => number };

let core: Rt;
let withFast: Counted;

/** Core, then the add-on (which installs itself); its kernels wrapped to count the ops they take. */
function coreWithFast(b: RuntimeBundle): Counted {
  const rt = evalScripts("", b.min, b.fast.min, "edgeqrt.fast = edgeqrtFast;") as Rt & {
    fast: Record<string, unknown>;
  };
  const c = useCounted(rt, rt.fast);
  return { rt, calls: c.taken };
}

const SEEDS = [1, 2, 3, 4];
const tally = newTally();

beforeAll(async () => {
  const b = await buildRuntime();
  core = evalScripts("", b.min);
  withFast = coreWithFast(b);
});

describe(`core bundle alone vs native TFLite 2.9 (${SEEDS.length} random models of each of ${KINDS.length} kinds)`, () => {
  for (const kind of KINDS)
    for (const seed of SEEDS) {
      const c = randomCase(seed, kind);
      it(c.name, () => {
        checkCase(c, tally, (bytes) => core.load(bytes));
        // and the core + add-on gives the same bytes
        const bytes = writeTflite(c.graph);
        expect(outputs(withFast.rt, bytes, c.inputs)).toEqual(outputs(core, bytes, c.inputs));
      });
    }

  it("compared every model", () => {
    expect(tally.cases).toBe(SEEDS.length * KINDS.length);
    process.stdout.write(
      `core bundle parity: ${tally.cases} models, ${tally.values} values, ${tally.ties} ties\n`,
    );
  });
});

describe("FULLY_CONNECTED with a weights zero point vs native TFLite 2.9: core bundle, sources + add-on", () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    const c = fcWithWeightsOffset(seed);
    it(c.name, () => {
      const t = newTally();
      checkCase(c, t, (bytes) => core.load(bytes));
      checkCase(c, t);
      expect(t.cases).toBe(2);
    });
  }
});

describe("core + add-on", () => {
  it("mobilenet-v1 0.25 96x96x1: same bytes as the core alone, conv/depthwise/pointwise taken by the add-on", () => {
    const bytes = writeTflite(mobilenetV1());
    const before = withFast.calls();
    const a = outputs(withFast.rt, bytes, [mobilenetInput()]);
    // 27 of its 31 ops are conv-like
    expect(withFast.calls() - before).toBeGreaterThanOrEqual(27);
    expect(a).toEqual(outputs(core, bytes, [mobilenetInput()]));
  });
});
