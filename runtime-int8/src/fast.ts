/**
 * The full runtime with the JS host add-on installed (src/addons/fast/fast.ts): the entry the
 * toolchain (edgeq run, demo, report) imports.
 */
export * from "./addons/fast/fast.js";
