export * from "./erosion.js";
export * from "./governance.js";
export * from "./governance-types.js";
export * from "./sketch.js";
