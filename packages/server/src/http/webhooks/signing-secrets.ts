import { NotFound } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import {
  alertSecretOwner,
  currentSecrets,
  DEFAULT_OVERLAP_SECONDS,
  MAX_OVERLAP_SECONDS,
  rotateSigningSecret,
} from "../../webhooks/signing-secrets.js";
import { WEBHOOK_SIGNATURE } from "../../webhooks/standard-signature.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalLabel, principalOf, requireRole } from "../identity/auth.js";
import { withinScope } from "../identity/manage-scope.js";
import { requireOwner } from "../identity/ownership.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";

/**
 * Webhook signing secrets (issue 13, item 5): a key's secret signs its cases' webhooks, a workflow's
 * secret signs its oversight alerts; each is rotated here with an overlap during which the old one
 * still verifies (deliveries carry both signatures then).
 */

const SecretList = Type.Array(
  Type.Object({
    secret: Type.String(),
    validUntil: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
      description: "null for the secret that signs; the end of the overlap for one a rotation replaced",
    }),
  }),
);
const overlapSeconds = Type.Optional(
  Type.Integer({
    minimum: 0,
    maximum: MAX_OVERLAP_SECONDS,
    description: `How long the replaced secret still verifies (default ${DEFAULT_OVERLAP_SECONDS})`,
  }),
);
const rotated = {
  secret: Type.String({ description: "The new signing secret (whsec_…), shown once" }),
  previousValidUntil: Type.String({ format: "date-time" }),
  header: Type.String(),
};
const workflow = Type.String({ minLength: 1, maxLength: 200 });

export const signingSecretRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.get(
      "/v1/oversight/alerts/secret",
      {
        schema: {
          summary: "The secrets that verify a workflow's oversight-alert webhooks (its owner or an admin)",
          tags: ["oversight"],
          querystring: Type.Object({ workflow }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              workflow: Type.String(),
              secret: Type.String(),
              secrets: SecretList,
              header: Type.String(),
            }),
            ...problemResponses,
          },
        },
      },
      async (request) => {
        const { workflow } = request.query as { workflow: string };
        const wf = workflowOrFail(ctx, workflow);
        requireOwner(principalOf(request), wf, "act", "read its alert signing secret");
        const secrets = await currentSecrets(ctx.store, alertSecretOwner(wf.workflow), ctx.clock());
        return {
          workflow: wf.workflow,
          secret: secrets[0]?.secret ?? "",
          secrets,
          header: WEBHOOK_SIGNATURE,
        };
      },
    );

    app.post(
      "/v1/oversight/alerts/secret/rotate",
      {
        schema: {
          summary: "Replace a workflow's alert signing secret; the old one verifies until the overlap ends",
          tags: ["oversight"],
          body: Type.Object({ workflow, overlapSeconds }, { additionalProperties: false }),
          response: { 200: Type.Object({ workflow: Type.String(), ...rotated }), ...problemResponses },
        },
      },
      async (request) => {
        const body = request.body as { workflow: string; overlapSeconds?: number };
        const wf = workflowOrFail(ctx, body.workflow);
        requireOwner(principalOf(request), wf, "act", "rotate its alert signing secret");
        const result = await rotateSigningSecret(ctx.store, alertSecretOwner(wf.workflow), {
          now: ctx.clock(),
          overlapSeconds: body.overlapSeconds,
        });
        return { workflow: wf.workflow, ...result, header: WEBHOOK_SIGNATURE };
      },
    );

    app.post(
      "/v1/keys/:id/signing-secret/rotate",
      {
        schema: {
          summary:
            "Replace a key's webhook signing secret (admin); the old one verifies until the overlap ends",
          tags: ["keys"],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
          body: Type.Optional(Type.Object({ overlapSeconds }, { additionalProperties: false })),
          response: { 200: Type.Object({ keyId: Type.String(), ...rotated }), ...problemResponses },
        },
      },
      async (request) => {
        const p = requireRole(request, "admin");
        const { id } = request.params as { id: string };
        const key = await ctx.store.identity.getKey(id);
        if (!key) throw new NotFound(`key ${id} not found`);
        // A scoped admin could otherwise take over the signing of a key that reaches further than it does.
        if (!withinScope(p, key.workflows)) {
          throw new HttpProblem(
            403,
            "Forbidden",
            `scope: key ${id} reaches ${key.workflows?.join(", ") ?? "every workflow"}, beyond this ${principalLabel(p)}'s scope`,
          );
        }
        const overlap = (request.body as { overlapSeconds?: number } | undefined)?.overlapSeconds;
        const result = await rotateSigningSecret(ctx.store, key.id, {
          now: ctx.clock(),
          overlapSeconds: overlap,
        });
        return { keyId: key.id, ...result, header: WEBHOOK_SIGNATURE };
      },
    );
  };
};
