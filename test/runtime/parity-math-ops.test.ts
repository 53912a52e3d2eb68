/**
 * The arithmetic / activation ops of issue 13 (HARD_SWISH, LOGISTIC, TANH, SUB, LEAKY_RELU, PRELU,
 * MAXIMUM, MINIMUM; native TFLite 2.9 implements every one for int8) on random writer-made models
 * (test/runtime/gen-math-ops.ts), run by the runtime and by native TFLite 2.9 and compared op by op
 * (test/runtime/parity.ts): every value equal, but for native's CONV_2D negative ties in the chains,
 * which parity.ts recognises one by one. No difference of these ops needs naming: on int8, TFLite
 * 2.9 gives the same LOGISTIC and TANH bytes as TFLite Micro's gemmlowp fixed point, and its
 * double-precision SUB multiplier quotients (TFLite Micro rounds them to float32) gave the same
 * bytes on every random value. Where they do not (the 4 SUB parameter sets of the golden file found
 * for that), the last test names each value: native = the double computation, runtime = TFLite
 * Micro's bytes. test/runtime/tflm-math-ops.test.ts holds the kernels to TFLite Micro's own.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import type { Graph, QuantParams } from "../../toolchain/ir/types.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { loadNative } from "../oracles/native.js";
import { MATH_KINDS, randomMathCase } from "./gen-math-ops.js";
import { type Golden, subWithDoubleMultipliers } from "./golden/tflm-math-ops.gen.js";
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

describe("SUB where TFLite 2.9's double multiplier quotients and TFLite Micro's float32 ones differ", () => {
  const golden = JSON.parse(
    readFileSync(new URL("./golden/tflm-math-ops.json", import.meta.url), "utf8"),
  ) as Golden;
  // the golden SUB cases with activation NONE whose double-multiplier bytes differ from TFLite Micro's
  const cases = golden.cases.filter((c) => {
    if (c.op !== "SUB" || c.params[6] !== 0 || !c.out) return false;
    const tflm = new Int8Array(Buffer.from(c.out, "base64"));
    return subWithDoubleMultipliers(c).some((v, e) => v !== tflm[e]);
  });
  const q = (scale: number, zeroPoint: number): QuantParams => ({
    scale: [scale],
    zeroPoint: [zeroPoint],
    axis: 0,
  });
  it(`on ${cases.length} parameter sets: native 2.9 = the double computation, runtime = TFLite Micro, each differing value named`, () => {
    expect(cases.length).toBeGreaterThan(0);
    const named: string[] = [];
    for (const c of cases) {
      const [s1, z1, s2, z2, so, zo] = c.params as number[];
      const values = c.values ?? [];
      const g: Graph = {
        tensors: [
          { name: "a", shape: [256, 1], dtype: "int8", quant: q(s1!, z1!) },
          { name: "y", shape: [256, values.length], dtype: "int8", quant: q(so!, zo!) },
          {
            name: "b",
            shape: [1, values.length],
            dtype: "int8",
            quant: q(s2!, z2!),
            data: Int8Array.from(values),
          },
        ],
        ops: [{ type: "SUB", inputs: [0, 2], outputs: [1], options: { activation: "NONE" } }],
        inputs: [0],
        outputs: [1],
      };
      const bytes = writeTflite(g);
      const a = new Int8Array(256).map((_, i) => i - 128);
      const native = loadNative(bytes).run([a])[0] as Int8Array;
      const m = load(bytes);
      m.input(0).set(a);
      m.invoke();
      const runtime = m.output(0) as Int8Array;
      const tflm = new Int8Array(Buffer.from(c.out as string, "base64"));
      const double = subWithDoubleMultipliers(c);
      expect(Array.from(runtime)).toEqual(Array.from(tflm));
      expect(Array.from(native)).toEqual(Array.from(double));
      tflm.forEach((v, e) => {
        if (v !== double[e])
          named.push(
            `a ${Math.floor(e / values.length) - 128} b ${values[e % values.length]}: runtime ${v}, native ${native[e]}`,
          );
      });
    }
    expect(named.length).toBeGreaterThan(0);
    process.stdout.write(
      `SUB, TFLite 2.9's double multipliers vs TFLite Micro's float32: ${named.join("; ")}\n`,
    );
  });
});
