import { ValidationError } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { createKey } from "../../keys.js";
import type { Role, UserRecord } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { problemResponses, WorkflowViewSchema } from "../schemas.js";
import { canAccessWorkflow, type Principal, principalOf, requireRole } from "./auth.js";
import { CreateKeyRequestSchema, CreateKeyResponseSchema } from "./identity-schemas.js";
import { requireGrant } from "./reach.js";
import { workflowView } from "./workflow-view.js";

/** Keys and workflows: what an admin sets up and what every caller may list. */
export const adminRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/keys",
      {
        schema: {
          summary:
            "Create an API key (admin), within the creator's role and workflows. The key is shown once; only its hash is stored.",
          tags: ["keys"],
          body: CreateKeyRequestSchema,
          response: { 201: CreateKeyResponseSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "admin");
        const {
          user,
          expiresAt: expires,
          ...body
        } = request.body as {
          name: string;
          role: Role;
          workflows?: string[];
          authorityRoles?: string[];
          user?: string;
          expiresAt?: string;
        };
        const expiresAt = expires === undefined ? undefined : Date.parse(expires);
        if (expiresAt !== undefined && !(expiresAt > ctx.clock())) {
          throw new ValidationError("expiresAt must be a date-time in the future", "/expiresAt");
        }
        const owner = await keyOwner(ctx, p, user);
        requireGrant(ctx, p, body, owner);
        const { record, token } = await createKey(ctx.store, {
          ...body,
          ...(owner && { userId: owner.id }),
          ...(expiresAt !== undefined && { expiresAt }),
          now: ctx.clock(),
        });
        return reply.code(201).send({
          id: record.id,
          name: record.name,
          role: record.role,
          workflows: record.workflows,
          authorityRoles: record.authorityRoles ?? [],
          userId: record.userId ?? null,
          key: token,
          signingSecret: record.signingSecret,
          expiresAt: record.expiresAt == null ? null : new Date(record.expiresAt).toISOString(),
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

/**
 * The person a new key belongs to: the user named by `username`, else the creator's own person (a
 * signed-in user, or the user the creating key belongs to), else no one. A key acts as its person, so
 * four-eyes and "never the submitter" count it with them (issue 11, item 7).
 */
async function keyOwner(
  ctx: AppContext,
  creator: Principal,
  username: string | undefined,
): Promise<UserRecord | undefined> {
  if (username !== undefined) {
    const user = await ctx.store.identity.findUserByUsername(username);
    if (!user || user.disabledAt !== null) {
      throw new ValidationError(`no active user "${username}" to own the key`, "/user");
    }
    return user;
  }
  return creator.person.startsWith("usr_") ? await ctx.store.identity.getUser(creator.person) : undefined;
}
