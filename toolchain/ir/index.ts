export * from "./metadata.js";
export * from "./types.js";
