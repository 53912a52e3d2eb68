/** Entry of the built bundle (runtime-int8/build.ts): the global `edgeqrt` carries `load` only. */
export { load } from "./index.js";
