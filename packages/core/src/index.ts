export * from "./errors.js";
export * from "./policy/index.js";
export * from "./types.js";
