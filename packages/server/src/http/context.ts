import type { PolicySet, Workflow } from "@loopgate/core";
import { ValidationError } from "@loopgate/core";
import type { CaseEvents } from "../case-events.js";
import type { DecisionSigner } from "../decision-signature.js";
import type { DecisionNotifier } from "../notifier.js";
import type { NotifyConfig } from "../notify/config.js";
import type { Store } from "../store/index.js";
import type { DestinationPolicy } from "../webhooks/destinations.js";

/** What every route plugin needs, passed in explicitly so tests can build an app around any store. */
export interface AppContext {
  store: Store;
  policies: () => PolicySet;
  clock: () => number;
  notifier: DecisionNotifier;
  /** Case changes for the live stream (`GET /v1/stream`); routes publish after each commit. */
  caseEvents: CaseEvents;
  /** Called after a commit that wrote a webhook to the outbox, so delivery starts at once. */
  onOutbox: () => void;
  leaseMs: number;
  /** Longest long-poll a client may ask for. */
  maxWaitSeconds: number;
  /** Uniform in [0, 1): whether a submit mixes in a catch trial or an overlap copy, and which gold case. */
  random: () => number;
  /** Shadow mode: the draft policy routed beside the live one at submit (`--shadow-policy-dir`); unset = off. */
  shadowPolicies?: () => PolicySet | undefined;
  /** Signs every decision handed to an automation (decision-signature.ts). */
  decisionSigner: DecisionSigner;
  /** Which callback URLs a submit may name (`LOOPGATE_CALLBACK_ALLOW`); unset = public addresses only. */
  destinations?: DestinationPolicy;
  /** Notifications to reviewers (Slack, email); unset = none, and their endpoints refuse. */
  notify?: NotifyConfig;
  /** Called after a commit that queued a notification (a Slack reply), so it goes out at once. */
  onNotify?: () => void;
}

export function workflowOrFail(ctx: AppContext, name: string): Workflow {
  const wf = ctx.policies().workflows.get(name);
  if (!wf) {
    const known = [...ctx.policies().workflows.keys()].sort().join(", ");
    throw new ValidationError(`unknown workflow "${name}"; loaded: ${known || "none"}`, "/workflow");
  }
  return wf;
}
