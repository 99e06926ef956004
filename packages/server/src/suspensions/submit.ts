import type { RouteExplanation } from "@loopgate/core";
import { HttpProblem } from "../http/problem.js";
import type { SuspensionRecord } from "../store/index.js";

/** What a suspension is called in messages: the workflow, or the one action of it. */
function suspendedWhat(s: SuspensionRecord): string {
  return s.action === null ? `workflow ${s.workflow}` : `action ${s.action} of workflow ${s.workflow}`;
}

function since(s: SuspensionRecord): string {
  return `suspended since ${new Date(s.suspendedAt).toISOString()}: ${s.reason}`;
}

/**
 * `suspension.onSubmit: review`: what the policy would have let the machine do alone goes to a person,
 * and the explanation says why. Cases a person decides anyway keep their route and reasons.
 */
export function routedWhileSuspended(e: RouteExplanation, s: SuspensionRecord): RouteExplanation {
  if (e.route !== "auto") return e;
  const why = `${suspendedWhat(s)} is ${since(s)}; a person decides until it is resumed`;
  return { ...e, route: "review", reasons: [...e.reasons, why] };
}

/** `suspension.onSubmit: reject`: every submission is refused, naming the suspension. */
export function suspendedProblem(s: SuspensionRecord): HttpProblem {
  return new HttpProblem(
    503,
    "Workflow suspended",
    `${suspendedWhat(s)} is ${since(s)}; nothing is accepted until it is resumed`,
    {
      suspension: {
        id: s.id,
        workflow: s.workflow,
        action: s.action,
        reason: s.reason,
        suspendedAt: new Date(s.suspendedAt).toISOString(),
      },
    },
  );
}
