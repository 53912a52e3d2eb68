/** MobileNet-v1 0.25 96x96x1 (random weights, ~7.2 MMAC): runtime vs native TFLite 2.9, op by op. */
import { describe, expect, it } from "vitest";
import { mobilenetInput, mobilenetV1 } from "./mobilenet.js";
import { checkCase, newTally } from "./parity.js";

describe("mobilenet-v1 alpha=0.25 input=96x96x1 int8 per-channel", () => {
  it("every op's output equals native TFLite 2.9 (negative ties of CONV_2D/FC counted)", () => {
    const tally = newTally();
    checkCase({ name: "mobilenet-v1 0.25 96", graph: mobilenetV1(), inputs: [mobilenetInput()] }, tally);
    expect(tally.cases).toBe(1);
    expect(tally.values).toBeGreaterThan(100_000);
    process.stdout.write(`mobilenet parity: ${tally.values} values, ${tally.ties} ties\n`);
  });
});
