/** docs/api.md "Governance metrics", "Audits", "Gold sets and catch trials" and the oversight alerts. */
export { alertRoutes } from "./alerts.js";
export { auditRoutes } from "./audits.js";
export { catchTrialRoutes } from "./catch-trials.js";
export { goldRoutes } from "./gold.js";
export { metricsRoutes, prometheusRoutes } from "./metrics.js";
export { outcomeRoutes } from "./outcomes.js";
export { pauseRoutes } from "./pauses.js";
