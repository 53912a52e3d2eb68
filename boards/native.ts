/**
 * `edgeq fit --engine native` / `edgeq flash --engine native`: what the native add-on
 * (runtime-int8/native: Thumb-2 kernels through E.nativeCall) adds on a board that takes it
 * (record `arch` ARMv7E-M: Cortex-M4/M4F), and an ESTIMATE of its latency.
 *
 * Latency model (an estimate, not a measurement on a board): ops the add-on runs (NATIVE_OPS) cost
 * cycles at the board's clock, the rest the JS core's measured rates (boards/rates.json, as
 * `latency`). Cycles, from the instruction counts of kernels.c's inner loops on a Cortex-M4
 * (single-cycle SMLAD / MLA, 2-cycle loads, no cache):
 *  - CONV_2D / FULLY_CONNECTED: 2.5 cycles per MAC (per 4 MACs: 2 word loads, 4 SXTB16 (2 after a
 *    rotate), 2 SMLAD and the loop: about 10 cycles);
 *  - DEPTHWISE_CONV_2D: 6 cycles per MAC (byte loads of x and w, add of the offset, MLA, loop);
 *  - AVERAGE_POOL_2D / MAX_POOL_2D: 4 cycles per tap and channel (the summary's MACs);
 *  - 40 cycles per output element (MultiplyByQuantizedMultiplier: SMULL, rounding, shift, clamp, store);
 *  - 120 us per op at 64 MHz (x 64 / MHz) for the JS call into E.nativeCall (about 110-130 us
 *    per call measured under qemu-arm, issue 14).
 */

import { boardTakesNative } from "../runtime-int8/native/index.js";
import type { OpType } from "../toolchain/ir/types.js";
import type { ModelSummary } from "./estimate.js";
import { latency } from "./fit.js";
import type { Board } from "./index.js";

/** Ops the native add-on runs (it may still decline one at load: arrays too small to be flat, bounds). */
export const NATIVE_OPS: OpType[] = [
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "FULLY_CONNECTED",
  "AVERAGE_POOL_2D",
  "MAX_POOL_2D",
] as OpType[];

const CYCLES_PER_MAC: Record<string, number> = {
  CONV_2D: 2.5,
  FULLY_CONNECTED: 2.5,
  DEPTHWISE_CONV_2D: 6,
  AVERAGE_POOL_2D: 4,
  MAX_POOL_2D: 4,
};
const CYCLES_PER_OUTPUT = 40;
const CALL_MS_AT_64MHZ = 0.12;

/** How the native estimate is made (one sentence, for reports). */
export const NATIVE_RATE_NOTE =
  "native latency is an ESTIMATE: cycles from kernels.c's inner loops on a Cortex-M4 (CONV_2D / FULLY_CONNECTED 2.5 cycles per MAC with SMLAD, DEPTHWISE_CONV_2D 6, pools 4 per tap, 40 per output for the requantization, 0.12 ms per E.nativeCall at 64 MHz) at the board's clock; other ops at the JS core's measured rates";

export interface NativeFit {
  /** Whether the board's architecture takes the add-on (ARMv7E-M). */
  applies: boolean;
  /** Why not, when it does not. */
  reason?: string;
  /** The add-on file's bytes (Storage; and RAM where Storage is not memory-mapped) and its machine code's. */
  addonBytes: number;
  blobBytes: number;
  /** The model's op types the add-on runs natively. */
  kernels: OpType[];
  /** Estimated ms per inference with the add-on (see NATIVE_RATE_NOTE). */
  latencyMs?: number;
  note: string;
}

/** The native add-on on `board` for the model summarized in `s` (add-on of addonBytes / blobBytes). */
export function nativeFit(board: Board, s: ModelSummary, addonBytes: number, blobBytes: number): NativeFit {
  const kernels = s.opTypes.filter((t) => NATIVE_OPS.includes(t));
  if (!boardTakesNative(board.arch))
    return {
      applies: false,
      reason: `${board.name} is ${board.core} (${board.arch}): the add-on's Thumb-2 / DSP code needs ARMv7E-M (Cortex-M4/M4F); the JS core runs every op`,
      addonBytes,
      blobBytes,
      kernels: [],
      note: NATIVE_RATE_NOTE,
    };
  const js = latency(board, s, "edgeq").ops;
  let ms = 0;
  s.ops.forEach((o, i) => {
    const cpm = CYCLES_PER_MAC[o.type];
    if (cpm === undefined) ms += js[i]?.ms ?? 0;
    else
      ms +=
        (cpm * o.macs + CYCLES_PER_OUTPUT * o.outElems) / (board.mhz * 1000) +
        (CALL_MS_AT_64MHZ * 64) / board.mhz;
  });
  return { applies: true, addonBytes, blobBytes, kernels, latencyMs: ms, note: NATIVE_RATE_NOTE };
}
