import { describe, expect, it } from "vitest";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { floatDsCnn, int8DsCnn } from "../helpers/models.js";
import { REF_MODELS, refBytes } from "../helpers/refmodels.js";
import { campaign } from "./campaign.js";

const RUNS = 5000;

describe("fuzz: seeded mutations of each model parse or throw EdgeqError within 1 s", () => {
  const models: [string, () => Uint8Array][] = [
    ...REF_MODELS.map((m) => [m, () => refBytes(m)] as [string, () => Uint8Array]),
    ["edgeq int8 ds-cnn", () => writeTflite(int8DsCnn(7))],
    ["edgeq float ds-cnn", () => writeTflite(floatDsCnn(7))],
  ];
  for (const [name, bytes] of models) {
    it(`${name}: ${RUNS} mutations seed=1 (truncate, bitflip, offsets, vtables, vector counts, splices)`, () => {
      const r = campaign(name, bytes(), RUNS, 1);
      const first = r.failures[0];
      expect(first ? `${first.kind} seed ${first.seed}: ${first.outcome} ${first.detail ?? ""}` : "").toBe(
        "",
      );
      expect(r.counts.crash + r.counts.slow).toBe(0);
      expect(r.maxMs).toBeLessThan(1000);
      // the mutations really break things, and not everything is rejected either
      expect(r.counts["edgeq-error"]).toBeGreaterThan(RUNS / 4);
      expect(r.counts.parsed).toBeGreaterThan(0);
    });
  }
});
