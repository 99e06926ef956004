import {
  type CaseFacts,
  checkAuthority,
  Forbidden,
  minDecisionAt,
  requiredApprovals,
  tooSoon,
  type Verdict,
  type Workflow,
} from "@loopgate/core";
import type { CaseDetail, CaseRecord, DecisionRecord } from "../../store/index.js";
import { APPROVING } from "../../store/index.js";
import type { AppContext } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { HttpProblem } from "../problem.js";

/**
 * The policy's review rules as the server enforces them (friction where risk is high): minimum review
 * time, authority limits and four-eyes. Route handlers call these before anything is written.
 */

export function caseFacts(c: CaseRecord): CaseFacts {
  return {
    action: c.action,
    input: c.input,
    proposal: c.proposal,
    confidence: c.confidence,
    context: c.context,
    metadata: c.metadata,
    subject: c.subject,
    riskClass: c.riskClass,
  };
}

/**
 * When the lease holder may decide (ISO), for the UI's countdown; null when the case is not held or
 * the workflow has no minimum review time.
 */
export function minDecisionAtIso(wf: Workflow | undefined, c: CaseRecord): string | null {
  if (!c.lease || c.status === "decided" || !wf || wf.review.minReviewSeconds <= 0) return null;
  return new Date(minDecisionAt(wf, c.lease.claimedAt)).toISOString();
}

/** 422 (field /verdict, Retry-After) while the holder has held the case less than review.minReviewSeconds. */
export function enforceMinReviewTime(wf: Workflow, claimedAt: number, now: number): void {
  const early = tooSoon(wf, claimedAt, now);
  if (!early) return;
  throw new HttpProblem(422, "Too soon", early.message, {
    field: "/verdict",
    errors: [{ field: "/verdict", message: early.message }],
    retryAfterSeconds: early.waitSeconds,
    minReviewSeconds: early.minSeconds,
  });
}

/** Whether `p`'s authority roles cover the case (every principal, admins included). */
export function mayDecide(p: Principal, wf: Workflow | undefined, c: CaseRecord): boolean {
  return !wf || checkAuthority(wf, p.authorityRoles, caseFacts(c)).allowed;
}

/** 403 naming the rules `p` would need when their authority does not cover the case. */
export function requireAuthority(p: Principal, wf: Workflow, c: CaseRecord): void {
  const check = checkAuthority(wf, p.authorityRoles, caseFacts(c));
  if (!check.allowed) throw new Forbidden(`authority limit (review.authority): ${check.message}`);
}

/**
 * The person behind each id that four-eyes compares (earlier deciders, the submitter): a key that
 * belongs to a user is that user (store.identity.personsOf); an id missing from the map is its own.
 */
export type Persons = ReadonlyMap<string, string>;
const personOf = (persons: Persons, id: string) => persons.get(id) ?? id;

/** The approving decisions recorded so far on an undecided case, one per person. */
function approvalsSoFar(decisions: DecisionRecord[], persons: Persons): DecisionRecord[] {
  const seen = new Set<string>();
  return decisions.filter((d) => {
    const person = personOf(persons, d.decidedBy);
    if (!APPROVING.includes(d.verdict) || d.revokedAt != null || seen.has(person)) return false;
    seen.add(person);
    return true;
  });
}

/**
 * Four-eyes for one verdict. Returns undefined when the verdict decides the case, or the approval
 * count to record when more approvals are needed. Refuses (403) the submitter approving their own
 * case and anyone approving a case twice, whenever the case needs more than one approval. Counts
 * people, not principals: `persons` maps the submitter's and earlier deciders' ids to their person.
 */
export function fourEyes(
  p: Principal,
  wf: Workflow,
  c: CaseRecord,
  verdict: Verdict,
  decisions: DecisionRecord[],
  persons: Persons,
): { count: number; needed: number } | undefined {
  if (!APPROVING.includes(verdict)) return undefined;
  const needed = requiredApprovals(wf, caseFacts(c));
  if (needed <= 1) return undefined;
  const earlier = approvalsSoFar(decisions, persons);
  if (personOf(persons, c.submittedBy) === p.person) {
    throw new Forbidden(
      `four-eyes (review.approvals: ${needed}): you submitted case ${c.id}, so you may not approve it; another person must`,
    );
  }
  if (earlier.some((d) => personOf(persons, d.decidedBy) === p.person)) {
    throw new Forbidden(
      `four-eyes (review.approvals: ${needed}): you already approved case ${c.id}; the next approval must come from another person`,
    );
  }
  const count = earlier.length + 1;
  return count < needed ? { count, needed } : undefined;
}

/** The display name of a user or key id (the id itself when neither is found). */
async function principalName(ctx: AppContext, id: string): Promise<string> {
  if (id.startsWith("usr_")) return (await ctx.store.identity.getUser(id))?.name ?? id;
  if (id.startsWith("key_")) return (await ctx.store.identity.getKey(id))?.name ?? id;
  return id;
}

/**
 * Who answers for a decided case: the person or key whose verdict decided it, or, for a case the
 * system decided (route auto, an SLA timeout), the workflow's owner. Null while undecided.
 */
export async function accountableFor(
  ctx: AppContext,
  wf: Workflow | undefined,
  c: CaseDetail,
): Promise<{ id: string; name: string } | null> {
  if (c.status !== "decided") return null;
  const last = c.decisions.filter((d) => d.revokedAt == null).at(-1);
  // Decided by the system ("policy" for an auto route, "sla" for a timeout): the owner answers for it.
  const byPerson = last && /^(usr|key)_/.test(last.decidedBy);
  if (!last || !byPerson) {
    const owner = wf?.owner ?? "unknown";
    return { id: owner, name: owner };
  }
  return { id: last.decidedBy, name: await principalName(ctx, last.decidedBy) };
}
