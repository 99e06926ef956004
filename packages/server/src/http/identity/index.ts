/** docs/api.md "Keys and workflows", "Sessions and users", and who is asking (every /v1 request). */
export { adminRoutes } from "./admin.js";
export { makeAuthenticator } from "./auth.js";
export { sessionRoutes } from "./session.js";
