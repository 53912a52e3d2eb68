/** Entry of the full bundle (runtime-int8/build.ts): the global `edgeqrt` carries `load` and `use` (the add-ons call it). */
export { load, use } from "./index.js";
