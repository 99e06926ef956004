export { buildApp } from "./http/app.js";
export { createKey, hashToken } from "./keys.js";
export { defaultPolicyDir, EXAMPLE_POLICY_DIR, loadPolicyDir } from "./policy-files.js";
export { DEFAULTS, type RunningServer, type ServerConfig, startServer } from "./server.js";
export type * from "./store/index.js";
export { openStore } from "./store/index.js";
export { SIGNATURE_HEADER, signPayload, verifySignature } from "./webhooks/signature.js";
