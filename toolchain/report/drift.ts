/**
 * Where drift first jumps.
 *
 * Each compared layer's SQNR is capped to [-SQNR_CLEAN_DB, SQNR_CLEAN_DB] (an int8 tensor that close to float
 * counts as clean: an exactly representable input would otherwise be +Infinity and make any
 * next layer look like a jump). A layer's drop is (capped SQNR of its input) - (its capped
 * SQNR); its input is the int8 tensor feeding its first input, followed back to the nearest
 * compared layer or the model input. The jump layer is the FIRST layer in execution order
 * whose drop is at least max(JUMP_MIN_DB, JUMP_REL x the largest drop). With no drop of at
 * least JUMP_MIN_DB no layer is called out (drift grows gradually).
 */
import type { Graph } from "../ir/types.js";

export const SQNR_CLEAN_DB = 40;
export const JUMP_MIN_DB = 10;
export const JUMP_REL = 0.5;

export const JUMP_RULE =
  `SQNR capped at +-${SQNR_CLEAN_DB} dB; drop = capped SQNR of the layer's input minus its own; ` +
  `the jump is the first layer (execution order) whose drop is at least max(${JUMP_MIN_DB} dB, ` +
  `${JUMP_REL} x the largest drop); none when no drop reaches ${JUMP_MIN_DB} dB.`;

export interface DriftLayer {
  /** int8 op index, -1 for the model input pseudo-layer. */
  index: number;
  sqnr: number | null;
}

const cap = (s: number): number =>
  Number.isNaN(s) ? Number.NaN : Math.max(-SQNR_CLEAN_DB, Math.min(s, SQNR_CLEAN_DB));

/**
 * layers: compared layers in execution order (the input pseudo-layer first, if any).
 * Returns the drop (dB) of each layer (null when unknown) and the index into `layers` of the jump.
 */
export function findJump(g: Graph, layers: DriftLayer[]): { drops: (number | null)[]; jump: number } {
  const byOp = new Map<number, number>();
  layers.forEach((l, i) => {
    byOp.set(l.index, i);
  });
  const producer = new Map<number, number>();
  g.ops.forEach((op, i) => {
    for (const t of op.outputs) producer.set(t, i);
  });
  const inputLayer = byOp.get(-1);
  const sourceOf = (opIndex: number): number | undefined => {
    let t = g.ops[opIndex]?.inputs[0] ?? -1;
    for (let guard = 0; guard < g.ops.length + 1; guard++) {
      const p = producer.get(t);
      if (p === undefined) return inputLayer;
      const li = byOp.get(p);
      if (li !== undefined && layers[li]!.sqnr !== null) return li;
      t = g.ops[p]?.inputs[0] ?? -1;
    }
    return inputLayer;
  };
  const drops = layers.map((l) => {
    if (l.index < 0 || l.sqnr === null) return null;
    const src = sourceOf(l.index);
    const s = src === undefined ? null : layers[src]!.sqnr;
    if (s === null) return null;
    const d = cap(s) - cap(l.sqnr);
    return Number.isNaN(d) ? null : d;
  });
  const biggest = Math.max(0, ...drops.map((d) => d ?? 0));
  const need = Math.max(JUMP_MIN_DB, JUMP_REL * biggest);
  const jump = biggest >= JUMP_MIN_DB ? drops.findIndex((d) => d !== null && d >= need) : -1;
  return { drops, jump };
}
