import { checkAuthority, NotFound, ValidationError } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { caseFacts } from "../../store/index.js";
import { caseFor } from "../cases/case-access.js";
import { caseScreen } from "../cases/case-screen.js";
import { type AppContext, workflowOrFail } from "../context.js";
import { principalOf } from "../identity/auth.js";
import { requireOwner } from "../identity/ownership.js";
import { CaseViewSchema, problemResponses } from "../schemas.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const AssignRequestSchema = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 200, description: "The user id (usr_…) or key id (key_…)" }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/** Ownership: a workflow owner hands a waiting or held case to a named reviewer. */
export const assignRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/cases/:id/assign",
      {
        schema: {
          summary:
            "Assign a queued or claimed case to one reviewer (workflow owner or admin); only they may claim it until it is decided or released",
          tags: ["review"],
          params: IdParams,
          body: AssignRequestSchema,
          response: { 200: CaseViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const { id } = request.params as { id: string };
        const body = request.body as { to: string; note?: string };
        const c = await caseFor(ctx, p, id);
        const wf = workflowOrFail(ctx, c.workflow);
        requireOwner(p, wf, "act", "reassign its cases");
        const target = body.to.startsWith("usr_")
          ? await ctx.store.identity.getUser(body.to)
          : body.to.startsWith("key_")
            ? await ctx.store.identity.getKey(body.to)
            : undefined;
        if (!target || ("disabledAt" in target && target.disabledAt !== null)) {
          throw new ValidationError(`no active user or key ${body.to} to assign the case to`, "/to");
        }
        const role = target.role;
        if (role !== "reviewer" && role !== "admin") {
          throw new ValidationError(`${body.to} is ${role}, not a reviewer: it cannot review cases`, "/to");
        }
        if (target.workflows !== null && !target.workflows.includes(c.workflow)) {
          throw new ValidationError(`${body.to} is not scoped to workflow ${c.workflow}`, "/to");
        }
        // Assigning a case to someone whose authority does not cover it would strand it.
        const authority = checkAuthority(wf, target.authorityRoles ?? [], caseFacts(c));
        if (!authority.allowed) {
          throw new ValidationError(`${body.to} may not decide this case: ${authority.message}`, "/to");
        }
        await ctx.store.review.assign({
          caseId: id,
          to: body.to,
          by: p.id,
          note: body.note ?? null,
          now: ctx.clock(),
        });
        ctx.caseEvents.publish({ type: "released", caseId: id, workflow: c.workflow });
        const detail = await ctx.store.cases.detail(id);
        if (!detail) throw new NotFound(`no case ${id}`);
        return caseScreen(ctx, p, detail);
      },
    );
  };
};
