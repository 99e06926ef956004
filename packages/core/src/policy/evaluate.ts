import { ValidationError } from "../errors.js";
import type { CaseSubmission, Route, RouteExplanation } from "../types.js";
import { run, show } from "./expressions.js";
import type { Workflow } from "./workflow.js";

type Threshold = number | null;

/** A class that never auto-routes is the strictest; otherwise the higher the bar, the stricter. */
function strictness(threshold: Threshold): number {
  return threshold === null ? Number.POSITIVE_INFINITY : threshold;
}

/** The class to fall back on when the policy cannot tell: the one least likely to let a case through. */
function strictestClass(workflow: Workflow): string {
  let best: string | undefined;
  for (const [name, cls] of Object.entries(workflow.risk.classes)) {
    const current = best === undefined ? undefined : workflow.risk.classes[best];
    if (!current || strictness(cls.autoMinConfidence) > strictness(current.autoMinConfidence)) best = name;
  }
  if (best === undefined) throw new ValidationError(`workflow ${workflow.workflow} has no risk classes`);
  return best;
}

/** 0.9 → "0.90", 0.975 → "0.975": reads like the thresholds owners write. */
function decimal(n: number): string {
  const plain = String(n);
  return /^\d+(\.\d)?$/.test(plain) ? n.toFixed(2) : plain;
}

function resolveRiskClass(
  submission: CaseSubmission,
  workflow: Workflow,
  activation: Record<string, unknown>,
  reasons: string[],
): string {
  const { classes, classify } = workflow.risk;
  const requested = submission.riskClass;
  if (requested !== undefined && !Object.hasOwn(classes, requested)) {
    const known = Object.keys(classes).join(", ");
    throw new ValidationError(
      `unknown risk class "${requested}" for workflow ${workflow.workflow}; known: ${known}`,
      "/riskClass",
    );
  }
  if (classify === undefined) {
    if (requested !== undefined) {
      reasons.push(`the automation named risk class ${requested}`);
      return requested;
    }
    if (workflow.risk.default !== undefined) {
      reasons.push(`risk class ${workflow.risk.default} is the workflow's default`);
      return workflow.risk.default;
    }
    const strictest = strictestClass(workflow);
    reasons.push(
      `no classifier, no class from the automation and no default: using the strictest class, ${strictest}`,
    );
    return strictest;
  }

  let computed: string;
  const outcome = run(workflow, classify, "classify", activation);
  if (!outcome.ok) {
    computed = strictestClass(workflow);
    reasons.push(
      `risk.classify could not be evaluated (${outcome.error}): using the strictest class, ${computed}`,
    );
  } else if (typeof outcome.value !== "string" || !Object.hasOwn(classes, outcome.value)) {
    computed = strictestClass(workflow);
    reasons.push(
      `risk.classify gave ${show(outcome.value)}, which is not a risk class: using the strictest class, ${computed}`,
    );
  } else {
    computed = outcome.value;
    reasons.push(`risk.classify put the case in class ${computed}`);
  }
  const computedThreshold = classes[computed]?.autoMinConfidence ?? null;
  const requestedThreshold =
    requested === undefined ? undefined : (classes[requested]?.autoMinConfidence ?? null);
  if (requested !== undefined && requestedThreshold !== undefined) {
    if (strictness(requestedThreshold) > strictness(computedThreshold)) {
      reasons.push(
        `the automation asked for class ${requested}, stricter than ${computed}: using ${requested}`,
      );
      return requested;
    }
  }
  return computed;
}

/**
 * Routes one case through a workflow's policy: which risk class it is in, which escalation triggers
 * fire, and whether the machine may act alone (`auto`), a person must approve (`review`) or a person
 * must do it (`human_only`). Pure and deterministic: the same submission and workflow always give the
 * same explanation, and every rule that applied is in `reasons`.
 *
 * @throws ValidationError (field "/action", "/confidence" or "/riskClass") for a case the workflow
 *   cannot route at all.
 */
export function evaluatePolicy(submission: CaseSubmission, workflow: Workflow): RouteExplanation {
  const { action, confidence } = submission;
  if (!Object.hasOwn(workflow.actions, action)) {
    const known = Object.keys(workflow.actions).join(", ");
    throw new ValidationError(
      `unknown action "${action}" for workflow ${workflow.workflow}; known: ${known}`,
      "/action",
    );
  }
  if (typeof confidence !== "number" || !(confidence >= 0 && confidence <= 1)) {
    throw new ValidationError(
      `confidence must be a number between 0 and 1, got ${String(confidence)}`,
      "/confidence",
    );
  }
  const boundary = workflow.actions[action]?.boundary ?? "human_only";
  const reasons: string[] = [];
  const activation: Record<string, unknown> = {
    input: submission.input ?? {},
    proposal: submission.proposal ?? null,
    confidence,
    context: submission.context ?? {},
    metadata: submission.metadata ?? {},
    subject: submission.subject ?? "",
    action,
  };

  const riskClass = resolveRiskClass(submission, workflow, activation, reasons);
  const threshold = workflow.risk.classes[riskClass]?.autoMinConfidence ?? null;

  const triggers: string[] = [];
  // Nobody has decided yet, so there is no output: a trigger reading it sees null.
  const ruleActivation = { ...activation, riskClass, output: null };
  for (const trigger of workflow.escalate) {
    const outcome = run(workflow, trigger.when, "rule", ruleActivation);
    // Missing context is itself a reason to look, so a trigger that cannot be evaluated counts as fired.
    if (!outcome.ok) {
      reasons.push(`trigger ${trigger.name} could not be evaluated (${outcome.error}): treated as fired`);
      triggers.push(trigger.name);
    } else if (outcome.value === true) {
      reasons.push(`trigger ${trigger.name} fired`);
      triggers.push(trigger.name);
    } else if (outcome.value !== false) {
      reasons.push(
        `trigger ${trigger.name} gave ${show(outcome.value)}, not true or false: treated as fired`,
      );
      triggers.push(trigger.name);
    }
  }

  let route: Route;
  const shown = decimal(confidence);
  if (boundary === "human_only") {
    route = "human_only";
    reasons.push(`action ${action} is human_only: a person does it, the machine only prepares`);
  } else if (boundary === "review") {
    route = "review";
    reasons.push(`action ${action} has boundary review: a person always approves`);
  } else if (triggers.length > 0) {
    route = "review";
    reasons.push(
      `escalation ${triggers.length === 1 ? "trigger" : "triggers"} ${triggers.join(", ")}: a person reviews`,
    );
  } else if (threshold === null) {
    route = "review";
    reasons.push(`class ${riskClass} never auto-routes`);
  } else if (confidence < threshold) {
    route = "review";
    reasons.push(`confidence ${shown} is below ${riskClass}'s threshold ${decimal(threshold)}`);
  } else {
    route = "auto";
    reasons.push(
      `confidence ${shown} meets ${riskClass}'s threshold ${decimal(threshold)} and no trigger fired`,
    );
  }

  return {
    route,
    riskClass,
    boundary,
    threshold,
    confidence,
    triggers,
    reasons,
    policyVersion: workflow.source.version,
  };
}
