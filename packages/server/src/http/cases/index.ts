/** docs/api.md "Cases": submit, read, and wait for the decision. */
export { casesRoutes } from "./cases.js";
export { decisionKeyRoutes } from "./decision-key.js";
export { revisionRoutes } from "./revisions.js";
