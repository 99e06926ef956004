import { evaluatePolicy } from "../policy/evaluate.js";
import { run } from "../policy/expressions.js";
import { schemaProblem } from "../policy/output-schema.js";
import type { Workflow } from "../policy/workflow.js";
import type { Route, Verdict } from "../types.js";
import { changedPaths } from "./changes.js";
import { type AuthorityCheck, type CaseFacts, checkAuthority, ruleActivation } from "./rules.js";

/**
 * What a decision needs before it may run, judged on the case as it will be executed and not only as it
 * was proposed: the friction of the case's risk class (a class value wins over the workflow's), the
 * number of distinct people who must agree, authority, and a reason. When an edit or override moves the
 * case into another class or a four-eyes condition, it needs what that class and condition ask for too
 * (the stricter of both). Pure: the server enforces what this says.
 */

/** The friction a decision meets; per class, each value wins over the workflow's `review`/`release`. */
export interface ReviewSettings {
  approvals: number;
  minReviewSeconds: number;
  blindFirst: boolean;
  releaseDelaySeconds: number;
  /** Verdicts that need a reason code here (beyond those that always do). */
  requireReason: Verdict[];
}

export function classSettings(wf: Workflow, riskClass: string): ReviewSettings {
  const cls = wf.risk.classes[riskClass];
  return {
    approvals: cls?.approvals ?? wf.review.approvals,
    minReviewSeconds: cls?.minReviewSeconds ?? wf.review.minReviewSeconds,
    blindFirst: cls?.blindFirst ?? wf.review.blindFirst,
    releaseDelaySeconds: cls?.releaseDelaySeconds ?? wf.release.delaySeconds,
    requireReason: cls?.requireReason ?? wf.review.requireReason,
  };
}

function stricter(a: ReviewSettings, b: ReviewSettings): ReviewSettings {
  return {
    approvals: Math.max(a.approvals, b.approvals),
    minReviewSeconds: Math.max(a.minReviewSeconds, b.minReviewSeconds),
    blindFirst: a.blindFirst || b.blindFirst,
    releaseDelaySeconds: Math.max(a.releaseDelaySeconds, b.releaseDelaySeconds),
    requireReason: [...new Set([...a.requireReason, ...b.requireReason])],
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The case as it will run once `output` is released: the output is the proposal, and where both are
 * objects its fields overlay the input's (an edited `amount` is the amount that will be paid). Rules
 * read it as they read a submitted case, and see `output` itself too.
 */
export function executedFacts(facts: CaseFacts, output: unknown): CaseFacts {
  const input = isObject(facts.input) && isObject(output) ? { ...facts.input, ...output } : facts.input;
  return { ...facts, input, proposal: output, output };
}

/**
 * The class the policy gives these facts: the classifier's answer on them, or the case's own class
 * when the workflow has no classifier (the automation or the default chose it; an edit cannot).
 */
export function riskClassOf(wf: Workflow, facts: CaseFacts): string {
  if (wf.risk.classify === undefined) return facts.riskClass;
  return evaluatePolicy(submissionOf(facts, wf), wf).riskClass;
}

function submissionOf(facts: CaseFacts, wf: Workflow, requested?: string) {
  return {
    workflow: wf.workflow,
    action: facts.action,
    input: isObject(facts.input) ? facts.input : {},
    proposal: facts.proposal,
    confidence: facts.confidence,
    ...(isObject(facts.context) && { context: facts.context }),
    ...(isObject(facts.metadata) && { metadata: facts.metadata }),
    ...(facts.subject !== null && { subject: facts.subject }),
    ...(requested !== undefined && { riskClass: requested }),
  };
}

/**
 * Only a reject or a request for changes may end a case alone: every other verdict lets something
 * happen (a respond hands the model an answer in place of the tool's result). Feedback runs nothing, and
 * the revision it asks for is a new case that meets the workflow's four-eyes again.
 */
export function endsAlone(verdict: Verdict): boolean {
  return verdict === "reject" || verdict === "request_changes";
}

/**
 * Whether the verdict's output is the action's arguments, to be run: not for a reject or a request for
 * changes (no output), nor for a respond (the output is the answer the tool would have given, so it is
 * never overlaid on the input as an edit is, and never checked against the tool's input schema).
 */
export function runsOutput(verdict: Verdict): boolean {
  return !endsAlone(verdict) && verdict !== "respond";
}

/** Verdicts that belong to one pattern; the others (but `done`) apply to every pattern. */
const ONLY_FOR: Partial<Record<Verdict, Workflow["pattern"]>> = {
  label: "active_learning",
  rank: "preference_ranking",
};

/**
 * The verdicts a person may give on an action. A human_only action is the person's to do: they record
 * that they did it (`done`, with their own output) or decline it (`reject`); nothing hands the machine's
 * proposal back to run (`route`: the case's own route, which wins over today's boundary). Every other
 * action takes the verdicts of its workflow's pattern.
 */
export function verdictsFor(wf: Workflow, action: string, route?: Route): Verdict[] {
  // A case routed human_only stays the person's even if the policy has loosened since it was queued.
  if (route === "human_only" || wf.actions[action]?.boundary === "human_only") return ["done", "reject"];
  const all: Verdict[] = [
    "approve",
    "edit",
    "reject",
    "override",
    "label",
    "rank",
    "respond",
    "request_changes",
  ];
  return all.filter((v) => {
    const only = ONLY_FOR[v];
    return only === undefined || only === wf.pattern;
  });
}

export interface DecisionNeeds {
  /** The case's class, and the class of the case as it will run (the same unless the output moves it). */
  riskClass: string;
  executedClass: string;
  /** The stricter of both classes' settings. */
  settings: ReviewSettings;
  /** Distinct people who must give this verdict (1 for a reject). */
  approvals: number;
  /** Authority on the case as submitted and as it will run: the first that fails, else allowed. */
  authority: AuthorityCheck;
  /** Whether the reason code is required for this verdict by `requireReason`. */
  reasonRequired: boolean;
}

/**
 * Everything a verdict needs on this case. `output` is what the verdict releases: the proposal for an
 * approve, the person's version for edit, override or done, the answer for a respond, null for a reject
 * or a request for changes. A verdict that runs nothing new (`runsOutput` false) is judged on the case
 * as submitted: an answer is not arguments, so it cannot move the case into another class.
 */
export function decisionNeeds(
  wf: Workflow,
  facts: CaseFacts,
  verdict: Verdict,
  output: unknown,
  authorityRoles: readonly string[],
): DecisionNeeds {
  const runs = runsOutput(verdict);
  const submitted: CaseFacts = { ...facts, output: endsAlone(verdict) ? null : output };
  const executed = runs ? executedFacts(facts, output) : submitted;
  const executedClass = runs ? riskClassOf(wf, executed) : facts.riskClass;
  const settings = stricter(classSettings(wf, facts.riskClass), classSettings(wf, executedClass));
  const onBoth = [submitted, { ...executed, riskClass: executedClass }];
  const checks = onBoth.map((f) => checkAuthority(wf, authorityRoles, f));
  const authority = checks.find((a) => !a.allowed) ?? (checks[0] as AuthorityCheck);
  return {
    riskClass: facts.riskClass,
    executedClass,
    settings,
    approvals: endsAlone(verdict) ? 1 : approvalsNeeded(wf, settings, onBoth),
    authority,
    reasonRequired: settings.requireReason.includes(verdict),
  };
}

/**
 * `settings.approvals`, raised to two wherever `review.secondReviewWhen` holds on either view of the
 * case. Where it holds on neither, one approval suffices unless a class sets its own number (the
 * workflow-level `approvals` is the floor only without `secondReviewWhen`, as before). An expression
 * that cannot be evaluated demands the second review: when in doubt, more eyes.
 */
function approvalsNeeded(wf: Workflow, settings: ReviewSettings, views: CaseFacts[]): number {
  const when = wf.review.secondReviewWhen;
  if (when === undefined) return Math.max(1, settings.approvals);
  const second = views.some((f) => {
    const outcome = run(wf, when, "rule", ruleActivation(f));
    return !outcome.ok || outcome.value === true;
  });
  if (second) return Math.max(2, settings.approvals);
  const classSet = views.some((f) => wf.risk.classes[f.riskClass]?.approvals !== undefined);
  return classSet ? Math.max(1, settings.approvals) : 1;
}

/**
 * Whether an edit, override or done output stays inside what the policy allows for the action: only
 * its `editable` fields differ from the proposal (edit and override), and it satisfies its
 * `outputSchema`. The first problem, with the field at fault as a JSON pointer, or undefined.
 */
export function outputProblem(
  wf: Workflow,
  action: string,
  proposal: unknown,
  verdict: Verdict,
  output: unknown,
): { field: string; message: string } | undefined {
  const spec = wf.actions[action];
  if (!spec || (verdict !== "edit" && verdict !== "override" && verdict !== "done")) return undefined;
  if (spec.editable && verdict !== "done") {
    const changed = changedPaths(proposal, output).find((p) => !isEditable(spec.editable ?? [], p));
    if (changed !== undefined) {
      const field = `/output${changed === "" ? "" : `/${changed.replaceAll(".", "/")}`}`;
      return {
        field,
        message: `${field} may not be changed: action ${action} lets a reviewer change only ${spec.editable.join(", ")}`,
      };
    }
  }
  return spec.outputSchema ? schemaProblem(spec.outputSchema, output) : undefined;
}

/** A changed path is editable when it is an editable field or lies inside one. */
function isEditable(editable: readonly string[], path: string): boolean {
  return editable.some((e) => path === e || path.startsWith(`${e}.`));
}

/**
 * Whether an SLA timeout may approve this case: only what the policy would let the machine do alone
 * right now (an auto boundary, a class with a threshold the case's confidence meets, no trigger fired).
 * Re-checked when the timer fires, since the policy may have changed while the case waited.
 */
export function timeoutMayApprove(wf: Workflow, facts: CaseFacts): boolean {
  if (!Object.hasOwn(wf.actions, facts.action)) return false;
  const requested = wf.risk.classify === undefined ? facts.riskClass : undefined;
  return evaluatePolicy(submissionOf(facts, wf, requested), wf).route === "auto";
}
