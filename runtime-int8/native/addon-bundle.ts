/** Entry of the native add-on bundle dist/edgeq-rt-native.min.js (runtime-int8/native/build.ts): the Fast kernel set. */
import { nativeKernels } from "./addon.js";

const k = nativeKernels();
export const conv = k.conv;
export const dw = k.dw;
export const mm = k.mm;
export const pool = k.pool;
