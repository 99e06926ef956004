/** docs/api.md "Reviewer workspace": the queue summary, blind judgments, the live stream and the built web app. */
export { ownQualityRoutes } from "./own-quality.js";
export { staticRoutes } from "./static.js";
export { streamRoutes } from "./stream.js";
export { workspaceRoutes } from "./workspace.js";
