/** docs/api.md "Review": claim and decide, assignment, and the reversible actions (revoke, revert). */
export { assignRoutes } from "./assign.js";
export { previewRoutes } from "./preview.js";
export { reversibleRoutes } from "./reversible.js";
export { reviewRoutes } from "./review.js";
