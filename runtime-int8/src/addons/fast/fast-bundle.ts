/** Entry of the add-on bundle dist/edgeq-rt-fast.min.js (runtime-int8/build.ts): the Fast kernel set. */
export { conv, dw, mm } from "./packed.js";
