/**
 * (b) The real blob inside the real Espruino interpreter built for ARM (espruino-arm under
 * qemu-arm), through E.nativeCall, with the built core bundle and the built add-on: output bytes
 * identical to the host runtime's on micro_speech, hello_world, the converter models, the
 * demo-shaped DS-CNN and random models (some loaded from a non-flat string, so the add-on copies
 * their weights); and the add-on takes every conv-like op it can.
 * (c) A fuzz of the native path there: seeded mutants of small models (test/fuzz/mutate.ts) must
 * load and run, or fail with an "edgeqrt: ..." error; never crash the interpreter (no native
 * fault), never give other bytes than the host runtime when both run.
 */
import { describe, expect, it } from "vitest";
import { load } from "../../runtime-int8/src/index.js";
import { writeTflite } from "../../toolchain/tflite/write.js";
import { landmarks, MUTATIONS, mutate } from "../fuzz/mutate.js";
import { rng } from "../helpers/models.js";
import { randomCase } from "../runtime/gen.js";
import { demoCases, hostOutputs, type NCase, randomCases, referenceCases } from "./cases.js";
import { haveQemu, runEspruino } from "./espruino.js";

/** Mutants per model (EDGEQ_NATIVE_FUZZ=n for a longer campaign; 25 keeps test/native within its time budget). */
const FUZZ = Number(process.env.EDGEQ_NATIVE_FUZZ) || 25;

describe("the native blob in espruino-arm under qemu-arm gives the host runtime's bytes", () => {
  it("qemu-arm and espruino-arm are installed (.ci/run installs qemu-user)", () => {
    expect(haveQemu()).toBe(true);
  });

  it("micro_speech, hello_world_int8, test_conv_model, converter models, demo DS-CNN, 10 random models (pools too), 3 loaded from strings", async () => {
    const cases: (NCase & { fromString?: boolean })[] = [
      ...referenceCases(1, false),
      ...demoCases(1),
      ...randomCases(5001, 1),
    ];
    const strs = [referenceCases(0, false)[0], ...randomCases(5101, 1).slice(0, 2)].map((c) => ({
      ...(c as NCase),
      fromString: true,
    }));
    const all = [...cases, ...strs];
    const want = all.map(hostOutputs);
    const { results, crashed } = await runEspruino(all, { timeoutMs: 110000 });
    expect(crashed).toBe("");
    const bad: string[] = [];
    all.forEach((c, i) => {
      const r = results[i];
      if (!r || r.error) bad.push(`${c.name}: ${r?.error}`);
      else if (JSON.stringify(r.outputs) !== JSON.stringify(want[i]))
        bad.push(`${c.name}: ${JSON.stringify(r.outputs)} != ${JSON.stringify(want[i])}`);
    });
    expect(bad).toEqual([]);
    // micro_speech (DEPTHWISE_CONV_2D, FULLY_CONNECTED), the DS-CNN's 10 conv-like ops and its
    // AVERAGE_POOL_2D, the copied-weights micro_speech
    const byName = (n: string) => results[all.findIndex((c) => c.name === n)];
    expect(byName("micro_speech yes")?.taken).toBe(2);
    expect(byName("demo DS-CNN 28x28x1 input 0")?.taken).toBe(11);
    expect(results[cases.length]?.taken).toBe(2);
    // random models: the add-on takes most conv-like ops and pools (it declines only arrays too small to be flat)
    const offered = results.reduce((a, r) => a + r.offered, 0);
    const taken = results.reduce((a, r) => a + r.taken, 0);
    expect(taken).toBeGreaterThan(offered * 0.7);
  }, 120000);

  it(`fuzz: ${4 * FUZZ} mutants of 4 small models load and run or fail with edgeqrt errors, never crash in native code`, async () => {
    const models = [
      randomCase(8, "chain"),
      randomCase(53, "chain"),
      randomCase(6, "dwconv"),
      randomCase(11, "conv"),
    ].map((c) => ({ bytes: writeTflite(c.graph), inputs: c.inputs }));
    const cases: { bytes: Uint8Array; inputs: ArrayLike<number>[]; host: string }[] = [];
    models.forEach((m, j) => {
      const lm = landmarks(m.bytes);
      for (let i = 0; i < FUZZ; i++) {
        const bytes = mutate(m.bytes, lm, rng(7000 + j * 1000 + i), MUTATIONS[i % MUTATIONS.length] as never);
        let host: string;
        let inputs = m.inputs;
        try {
          const h = load(bytes);
          // (big mutated shapes: the core's JS loops under emulation would take minutes)
          if (h.arenaBytes > 65536) continue;
          inputs = h.inputs.map((t) => new Int8Array(h.tensors[t]?.size ?? 0));
          host = JSON.stringify(hostOutputs({ bytes, inputs }));
        } catch (e) {
          host = `error ${(e as Error).message.slice(0, 8)}`;
        }
        cases.push({ bytes, inputs, host });
      }
    });
    expect(cases.length).toBeGreaterThan(FUZZ * 2);
    const { results, crashed } = await runEspruino(cases, { timeoutMs: 110000 });
    expect(crashed).toBe("");
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const r = results[i];
      if (!r) bad.push(`mutant ${i}: no result`);
      else if (r.error) {
        if (
          !r.error.startsWith("edgeqrt: ") &&
          !(r.error.startsWith("harness:") && c.host.startsWith("error"))
        )
          bad.push(`mutant ${i}: ${r.error}`);
      } else if (!c.host.startsWith("error") && JSON.stringify(r.outputs) !== c.host)
        bad.push(`mutant ${i}: ${JSON.stringify(r.outputs)} != ${c.host}`);
    });
    expect(bad).toEqual([]);
    // the native path was exercised: mutants that loaded ran native kernels
    expect(results.reduce((a, r) => a + r.taken, 0)).toBeGreaterThan(FUZZ);
  }, 120000);
});
