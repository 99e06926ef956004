import { run } from "../policy/expressions.js";
import type { Workflow } from "../policy/workflow.js";

/**
 * The review rules a workflow's policy sets for people (friction where risk is high): how many distinct
 * approvals a case needs, how long a reviewer must hold a case before deciding, and who may decide it.
 * Pure functions over the workflow and the case's facts; the server enforces them.
 */

/** What rule expressions read about a case: the submission's fields and the case's risk class. */
export interface CaseFacts {
  action: string;
  input: unknown;
  proposal: unknown;
  confidence: number;
  context: unknown;
  metadata: unknown;
  subject: string | null;
  riskClass: string;
  /** What the verdict releases (the proposal for approve, the person's version for edit…); null before. */
  output?: unknown;
}

export function ruleActivation(c: CaseFacts): Record<string, unknown> {
  return {
    input: c.input ?? {},
    proposal: c.proposal ?? null,
    confidence: c.confidence,
    context: c.context ?? {},
    metadata: c.metadata ?? {},
    subject: c.subject ?? "",
    action: c.action,
    riskClass: c.riskClass,
    output: c.output ?? null,
  };
}

/** True only when the expression evaluates to true; an evaluation error is false (with the error). */
function holds(wf: Workflow, expression: string, c: CaseFacts): boolean {
  const outcome = run(wf, expression, "rule", ruleActivation(c));
  return outcome.ok && outcome.value === true;
}

/**
 * The earliest moment a reviewer who claimed at `claimedAt` may decide (epoch ms). `minSeconds`: the
 * case's own minimum when its risk class sets one (core `classSettings`), else the workflow's.
 */
export function minDecisionAt(
  wf: Workflow,
  claimedAt: number,
  minSeconds = wf.review.minReviewSeconds,
): number {
  return claimedAt + minSeconds * 1000;
}

export interface TooSoon {
  /** Whole seconds held so far (rounded down). */
  heldSeconds: number;
  minSeconds: number;
  /** Whole seconds still to wait (rounded up, at least 1). */
  waitSeconds: number;
  message: string;
}

/** Undefined when a decision at `now` is allowed; otherwise how long is left, in words for the reviewer. */
export function tooSoon(
  wf: Workflow,
  claimedAt: number,
  now: number,
  minSeconds = wf.review.minReviewSeconds,
): TooSoon | undefined {
  const earliest = minDecisionAt(wf, claimedAt, minSeconds);
  if (now >= earliest) return undefined;
  const heldSeconds = Math.max(0, Math.floor((now - claimedAt) / 1000));
  const waitSeconds = Math.max(1, Math.ceil((earliest - now) / 1000));
  const message = `decided ${heldSeconds} s after claiming; this workflow asks for at least ${minSeconds} s: wait ${waitSeconds} more second${waitSeconds === 1 ? "" : "s"}`;
  return { heldSeconds, minSeconds, waitSeconds, message };
}

export type AuthorityRule = Workflow["review"]["authority"][number];

/** "ap_manager (input.amount <= 50000)", or just the role when its rule has no limit. */
export function describeRule(rule: AuthorityRule): string {
  return rule.when.trim() === "true" ? rule.role : `${rule.role} (${rule.when})`;
}

export type AuthorityCheck =
  | { allowed: true; rule?: AuthorityRule }
  /** `needed`: the rules whose condition holds for this case: any of their roles would do. */
  | { allowed: false; needed: AuthorityRule[]; message: string };

/**
 * Whether someone with `roles` may decide this case under the workflow's authority rules. No rules:
 * anyone with review access may. Otherwise some rule must name one of `roles` and its `when` must be
 * true for the case. Every principal is held to this, admins included.
 */
export function checkAuthority(wf: Workflow, roles: readonly string[], c: CaseFacts): AuthorityCheck {
  const rules = wf.review.authority;
  if (rules.length === 0) return { allowed: true };
  const matching = rules.filter((r) => holds(wf, r.when, c));
  const rule = matching.find((r) => roles.includes(r.role));
  if (rule) return { allowed: true, rule };
  const yours = roles.length === 0 ? "you have no authority roles" : `your roles: ${roles.join(", ")}`;
  const message =
    matching.length === 0
      ? `no authority rule of workflow ${wf.workflow} covers this case, so nobody may decide it; ${yours}`
      : `deciding this case needs ${matching.map(describeRule).join(" or ")}; ${yours}`;
  return { allowed: false, needed: matching, message };
}
