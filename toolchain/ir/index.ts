export * from "./cost.js";
export * from "./metadata.js";
export * from "./shapes.js";
export * from "./types.js";
