import { checkAuthority, NotFound, ValidationError, type Workflow } from "@loopgate/core";
import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import { type Principal, principalOf, requireWorkflow } from "./auth.js";
import { caseScreen } from "./case-screen.js";
import { type AppContext, workflowOrFail } from "./context.js";
import { HttpProblem } from "./problem.js";
import { caseFacts } from "./review-rules.js";
import { CaseViewSchema, problemResponses } from "./schemas.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const AssignRequestSchema = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 200, description: "The user id (usr_…) or key id (key_…)" }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

/**
 * Whether `p` owns the workflow: an admin, or a principal named like the policy's `owner` (compared
 * ignoring case with a user's username or name, or a key's name). Owners are e-mail addresses in
 * policies, so the owner's account is the one whose username is that address.
 */
export function isOwner(p: Principal, wf: Workflow, username?: string): boolean {
  if (p.role === "admin") return true;
  const owner = wf.owner.trim().toLowerCase();
  return [p.name, username].some((n) => n !== undefined && n.trim().toLowerCase() === owner);
}

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
        const c = await ctx.store.cases.get(id);
        if (!c) throw new NotFound(`no case ${id}`);
        requireWorkflow(p, c.workflow);
        const wf = workflowOrFail(ctx, c.workflow);
        const username = p.kind === "user" ? (await ctx.store.identity.getUser(p.id))?.username : undefined;
        if (!isOwner(p, wf, username)) {
          throw new HttpProblem(
            403,
            "Forbidden",
            `only the owner of workflow ${wf.workflow} (${wf.owner}) or an admin may reassign its cases`,
          );
        }
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
