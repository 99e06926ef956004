import { NotFound } from "@loopgate/core";
import type { CaseDetail, CaseRecord } from "../../store/index.js";
import { isShadow } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { type Principal, requireWorkflow } from "../identity/auth.js";

/**
 * The preamble of every route on one case (`/v1/cases/:id/...`): the case `id` as `p` may reach it.
 * A 404 when there is none, or when `p` is an automation and the case is not one it submitted: another
 * key's case, or a shadow case (automations never learn that catch trials and overlap copies exist).
 * Either is answered exactly like an unknown id, so an automation cannot confirm that an id exists.
 * A 403 when the case's workflow is outside `p`'s scope. The workflow's policy is left to the route: a
 * case outlives a workflow removed from the policies, and some routes still serve it then.
 */
export async function caseFor(ctx: AppContext, p: Principal, id: string): Promise<CaseRecord> {
  return reachable(p, id, await ctx.store.cases.get(id));
}

/** `caseFor` with the case's decisions and events. */
export async function caseDetailFor(ctx: AppContext, p: Principal, id: string): Promise<CaseDetail> {
  return reachable(p, id, await ctx.store.cases.detail(id));
}

/** Whether `p` may see `c` as an automation sees its own case. Shadow cases are nobody's own. */
export function ownsCase(p: Principal, c: CaseRecord): boolean {
  return c.submittedBy === p.id && !isShadow(c);
}

function reachable<C extends CaseRecord>(p: Principal, id: string, c: C | undefined): C {
  if (!c || (p.role === "automation" && !ownsCase(p, c))) throw new NotFound(`no case ${id}`);
  requireWorkflow(p, c.workflow);
  return c;
}
