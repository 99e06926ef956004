import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { createKey } from "../../keys.js";
import type { Role } from "../../store/index.js";
import type { AppContext } from "../context.js";
import {
  CreateKeyRequestSchema,
  CreateKeyResponseSchema,
  problemResponses,
  WorkflowViewSchema,
} from "../schemas.js";
import { canAccessWorkflow, principalOf, requireRole } from "./auth.js";
import { workflowView } from "./workflow-view.js";

/** Keys and workflows: what an admin sets up and what every caller may list. */
export const adminRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/keys",
      {
        schema: {
          summary: "Create an API key (admin). The key is shown once; only its hash is stored.",
          tags: ["keys"],
          body: CreateKeyRequestSchema,
          response: { 201: CreateKeyResponseSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        requireRole(request, "admin");
        const body = request.body as {
          name: string;
          role: Role;
          workflows?: string[];
          authorityRoles?: string[];
        };
        const { record, token } = await createKey(ctx.store, { ...body, now: ctx.clock() });
        return reply.code(201).send({
          id: record.id,
          name: record.name,
          role: record.role,
          workflows: record.workflows,
          authorityRoles: record.authorityRoles ?? [],
          key: token,
          signingSecret: record.signingSecret,
        });
      },
    );

    app.get(
      "/v1/workflows",
      {
        schema: {
          summary: "The loaded workflows this key may see, with owner and pattern",
          tags: ["workflows"],
          response: { 200: Type.Object({ workflows: Type.Array(WorkflowViewSchema) }), ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const workflows = [...ctx.policies().workflows.values()]
          .filter((w) => canAccessWorkflow(p, w.workflow))
          .sort((a, b) => a.workflow.localeCompare(b.workflow))
          .map(workflowView);
        return { workflows };
      },
    );
  };
};
