/**
 * The arithmetic / activation ops of issue 13 (HARD_SWISH, LOGISTIC, TANH, SUB, LEAKY_RELU, PRELU,
 * MAXIMUM, MINIMUM; native TFLite 2.9 implements every one for int8) on random writer-made models
 * (test/runtime/gen-math-ops.ts), run by the runtime and by native TFLite 2.9 and compared op by op
 * (test/runtime/parity.ts): every value equal, but for native's CONV_2D negative ties in the chains,
 * which parity.ts recognises one by one. No difference of these ops needs naming: on int8, TFLite
 * 2.9 computes LOGISTIC and TANH with the same gemmlowp fixed point as TFLite Micro, and its
 * double-precision SUB multipliers (TFLite Micro rounds them to float32) gave the same bytes on
 * every value tried; test/runtime/tflm-math-ops.test.ts holds the kernels to TFLite Micro's own.
 */
import { describe, expect, it } from "vitest";
import { MATH_KINDS, randomMathCase } from "./gen-math-ops.js";
import { checkCase, newTally } from "./parity.js";

const SEEDS = 30;
const tally = newTally();

describe(`math ops vs native TFLite 2.9 on ${SEEDS} random models of each of ${MATH_KINDS.length} kinds`, () => {
  for (const kind of MATH_KINDS) {
    describe(kind, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const c = randomMathCase(seed, kind);
        it(c.name, () => {
          checkCase(c, tally);
        });
      }
    });
  }

  it("compared every model and counted every value", () => {
    expect(tally.cases).toBe(SEEDS * MATH_KINDS.length);
    expect(tally.values).toBeGreaterThan(20_000);
    process.stdout.write(
      `math-op parity: ${tally.cases} models, ${tally.values} values, ${tally.ties} native CONV_2D negative-tie values, all others equal\n`,
    );
  });
});
