/** Entry of the built bundle (runtime-int8/build.ts): the global `edgeqrt` carries `load` and `use` (the add-on edgeq-rt-fast.min.js calls it). */
export { load, use } from "./index.js";
