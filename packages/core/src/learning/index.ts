export * from "./active-learning.js";
export * from "./binomial.js";
export * from "./calibration.js";
export * from "./preferences.js";
