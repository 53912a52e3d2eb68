/**
 * Inputs for the native-kernel tests and bench. The demo-shaped DS-CNN they run is
 * test/runtime/demo-dscnn.ts's (one builder for the Espruino path, the native add-on and their benches).
 */
import { rng } from "../helpers/models.js";

export { demoDsCnn } from "../runtime/demo-dscnn.js";

/** A seeded random int8 input of n values. */
export function int8Input(n: number, seed: number): Int8Array {
  const r = rng(seed);
  return new Int8Array(n).map(() => Math.floor(r() * 256) - 128);
}
