export * from "./errors.js";
export * from "./learning/index.js";
export * from "./metrics/governance.js";
export * from "./oversight/index.js";
export * from "./policy/index.js";
export * from "./review/rules.js";
export * from "./review/sla.js";
export * from "./types.js";
