/** A seeded fuzz campaign over one model: N mutations, outcomes counted, failures kept. */
import { rng } from "../helpers/models.js";
import { checkOne, landmarks, MUTATIONS, type Mutation, mutate, type Outcome } from "./mutate.js";

export interface CampaignResult {
  model: string;
  runs: number;
  counts: Record<Outcome, number>;
  byKind: Record<Mutation, number>;
  /** Error codes seen, with counts. */
  codes: Record<string, number>;
  maxMs: number;
  failures: { seed: number; kind: Mutation; outcome: Outcome; ms: number; detail?: string }[];
}

export function campaign(model: string, bytes: Uint8Array, runs: number, seed: number): CampaignResult {
  const lm = landmarks(bytes);
  const res: CampaignResult = {
    model,
    runs,
    counts: { parsed: 0, "edgeq-error": 0, crash: 0, slow: 0 },
    byKind: Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>,
    codes: {},
    maxMs: 0,
    failures: [],
  };
  for (let i = 0; i < runs; i++) {
    const s = seed * 1_000_003 + i;
    const r = rng(s);
    const kind = MUTATIONS[i % MUTATIONS.length]!;
    const m = mutate(bytes, lm, r, kind);
    const o = checkOne(m);
    res.counts[o.outcome]++;
    res.byKind[kind]++;
    if (o.code) res.codes[o.code] = (res.codes[o.code] ?? 0) + 1;
    res.maxMs = Math.max(res.maxMs, o.ms);
    if (o.outcome === "crash" || o.outcome === "slow") {
      res.failures.push({
        seed: s,
        kind,
        outcome: o.outcome,
        ms: o.ms,
        ...(o.detail ? { detail: o.detail } : {}),
      });
    }
  }
  return res;
}
