import {
  checkAuthority,
  classSettings,
  type DecisionNeeds,
  Forbidden,
  minDecisionAt,
  type ReviewSettings,
  tooSoon,
  type Workflow,
} from "@loopgate/core";
import { canonicalJson } from "../../canonical-json.js";
import type { CaseDetail, CaseRecord, DecisionRecord } from "../../store/index.js";
import { APPROVING, caseFacts } from "../../store/index.js";

import type { AppContext } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { HttpProblem } from "../problem.js";

/**
 * The policy's review rules as the server enforces them (friction where risk is high): minimum review
 * time, authority limits and four-eyes. Route handlers call these before anything is written.
 */

/**
 * The case's friction: its risk class's settings, each over the workflow's (core `classSettings`). A case
 * drawn for the blind sample (`review.blindSampleRate`, kept on the case at submit) is blind-first
 * whatever its class says, so every view and every check that asks here treats it alike.
 */
export function settingsOf(
  wf: Workflow,
  c: Pick<CaseRecord, "riskClass"> & { blindSampled?: boolean },
): ReviewSettings {
  const settings = classSettings(wf, c.riskClass);
  return c.blindSampled && !settings.blindFirst ? { ...settings, blindFirst: true } : settings;
}

/**
 * When the lease holder may decide (ISO), for the UI's countdown; null when the case is not held or
 * its class and workflow have no minimum review time.
 */
export function minDecisionAtIso(wf: Workflow | undefined, c: CaseRecord): string | null {
  const minSeconds = wf ? settingsOf(wf, c).minReviewSeconds : 0;
  if (!c.lease || c.status === "decided" || !wf || minSeconds <= 0) return null;
  return new Date(minDecisionAt(wf, c.lease.claimedAt, minSeconds)).toISOString();
}

/**
 * 422 (field /verdict, Retry-After) while the holder has held the case less than its minimum review
 * time: `minSeconds`, the case's class value, or the stricter class an edit moves it into.
 */
export function enforceMinReviewTime(wf: Workflow, claimedAt: number, now: number, minSeconds: number): void {
  const early = tooSoon(wf, claimedAt, now, minSeconds);
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

/**
 * 403 naming the rules `p` would need when their authority does not cover the case as submitted, or
 * (`needs`, from core `decisionNeeds`) the case as the verdict's output would run it.
 */
export function requireAuthority(p: Principal, wf: Workflow, c: CaseRecord, needs?: DecisionNeeds): void {
  const check = needs?.authority ?? checkAuthority(wf, p.authorityRoles, caseFacts(c));
  if (check.allowed) return;
  const moved =
    needs && needs.executedClass !== needs.riskClass
      ? ` (this output moves the case to class ${needs.executedClass})`
      : "";
  const onOutput = needs ? " on the case as this output would run it" : "";
  throw new Forbidden(`authority limit (review.authority)${onOutput}${moved}: ${check.message}`);
}

/**
 * The person behind each id that four-eyes compares (earlier deciders, the submitter): a key that
 * belongs to a user is that user (store.identity.personsOf); an id missing from the map is its own.
 */
export type Persons = ReadonlyMap<string, string>;
const personOf = (persons: Persons, id: string) => persons.get(id) ?? id;

/**
 * The approvals recorded so far on an undecided case that count with this verdict: one per person, not
 * revoked, and releasing the same output. People must agree on what will run: an approve after an
 * earlier edit approves the proposal, not the edit, so the edit's approval does not count for it. An
 * answer (respond) and arguments to run never agree, even when their JSON is the same.
 */
function approvalsSoFar(
  decisions: DecisionRecord[],
  persons: Persons,
  output: unknown,
  respond: boolean,
): DecisionRecord[] {
  const seen = new Set<string>();
  const same = canonicalJson(output ?? null);
  return decisions.filter((d) => {
    const person = personOf(persons, d.decidedBy);
    if (!APPROVING.includes(d.verdict) || d.revokedAt != null || seen.has(person)) return false;
    if ((d.verdict === "respond") !== respond) return false;
    if (canonicalJson(d.output ?? null) !== same) return false;
    seen.add(person);
    return true;
  });
}

/**
 * Four-eyes for one verdict that lets something run (every verdict but a reject). Returns undefined
 * when this verdict decides the case, or the approval count to record when more people are needed.
 * Refuses (403) the submitter approving their own case and anyone approving a case twice, whenever
 * the case needs more than one person. Counts people, not principals: `persons` maps the submitter's
 * and earlier deciders' ids to their person. `needs.approvals` is judged on the case as it will run
 * (core `decisionNeeds`), so an edit into a four-eyes condition needs the second person too.
 */
export function fourEyes(
  p: Principal,
  c: CaseRecord,
  needs: Pick<DecisionNeeds, "approvals" | "executedClass" | "riskClass">,
  output: unknown,
  decisions: DecisionRecord[],
  persons: Persons,
  verdict?: DecisionRecord["verdict"],
): { count: number; needed: number } | undefined {
  const needed = needs.approvals;
  if (needed <= 1) return undefined;
  const rule =
    needs.executedClass !== needs.riskClass
      ? `four-eyes (${needed} people: this output moves the case to class ${needs.executedClass})`
      : `four-eyes (review.approvals: ${needed})`;
  if (personOf(persons, c.submittedBy) === p.person) {
    throw new Forbidden(
      `${rule}: you submitted case ${c.id}, so you may not approve it; another person must`,
    );
  }
  if (
    decisions.some(
      (d) =>
        APPROVING.includes(d.verdict) && d.revokedAt == null && personOf(persons, d.decidedBy) === p.person,
    )
  ) {
    throw new Forbidden(
      `${rule}: you already approved case ${c.id}; the next approval must come from another person`,
    );
  }
  const count = approvalsSoFar(decisions, persons, output, verdict === "respond").length + 1;
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
