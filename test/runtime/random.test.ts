/**
 * >= 300 random int8 models (test/runtime/gen.ts, written with toolchain/tflite/write.ts), run on
 * the runtime and on native TFLite 2.9 and compared op by op (test/runtime/parity.ts). Every value
 * must be equal, except native's exactly characterised CONV_2D/FULLY_CONNECTED negative ties, which
 * are each recognised and counted.
 */
import { describe, expect, it } from "vitest";
import { KINDS, randomCase } from "./gen.js";
import { checkCase, newTally } from "./parity.js";

const SEEDS = 40;
const tally = newTally();

describe(`runtime vs native TFLite 2.9 on ${SEEDS} random models of each of ${KINDS.length} kinds`, () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const c = randomCase(seed, kind);
        it(c.name, () => {
          checkCase(c, tally);
        });
      }
    });
  }

  it("compared at least 300 models and counted every non-reference native value", () => {
    expect(tally.cases).toBe(SEEDS * KINDS.length);
    expect(tally.cases).toBeGreaterThanOrEqual(300);
    expect(tally.values).toBeGreaterThan(50_000);
    process.stdout.write(
      `runtime parity: ${tally.cases} models, ${tally.values} values, ${tally.ties} native negative-tie values (CONV_2D/FC), all others equal\n`,
    );
  });
});
