/** docs/api.md "Notifications": Slack interactions, the email confirmation page, identity mapping. */
export { emailRoutes } from "./email.js";
export { identityRoutes } from "./identities.js";
export { slackRoutes } from "./slack.js";
