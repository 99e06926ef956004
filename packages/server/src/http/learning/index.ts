/** docs/api.md "Shadow mode", "Dataset exports", thresholds and decision support: what the decisions teach. */
export { decisionSupportRoutes } from "./decision-support.js";
export { exportRoutes } from "./exports.js";
export { shadowPolicyRoutes } from "./shadow-policy.js";
export { thresholdRoutes } from "./thresholds.js";
