import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { principalOf } from "../identity/auth.js";
import { DecisionKeySchema, problemResponses } from "../schemas.js";

/**
 * `GET /v1/decision-key`: the public key decisions are signed with, for any signed-in role. An
 * automation should pin it (configuration, not a fetch before each check): a key fetched from the same
 * server as the decision proves nothing against someone who can answer in the server's place.
 */
export const decisionKeyRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/decision-key",
      {
        schema: {
          summary: "The Ed25519 public key every decision's signature is made with",
          tags: ["cases"],
          response: { 200: DecisionKeySchema, ...problemResponses },
        },
      },
      async (request) => {
        principalOf(request);
        return { keyId: ctx.decisionSigner.keyId, publicKeyPem: ctx.decisionSigner.publicKeyPem };
      },
    );
  };
};
