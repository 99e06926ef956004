import { randomUUID } from "node:crypto";
import type { NewCase, NewEvent, NewOutboxMessage } from "../../src/store/index.js";

/** A fixed start of time for tests: every `now` is T0 plus something, no clocks, no sleeps. */
export const T0 = 1_700_000_000_000;

/** A case waiting for review; override what the test is about. */
export function newCase(overrides: Partial<NewCase> = {}): NewCase {
  const workflow = overrides.workflow ?? "invoice.approve";
  return {
    id: randomUUID(),
    workflow,
    action: "pay",
    status: "queued",
    route: "review",
    riskClass: "medium",
    confidence: 0.83,
    input: { amount: 1200, supplier: "Acme" },
    proposal: { pay: 1200 },
    rationale: null,
    evidence: null,
    subject: null,
    metadata: null,
    context: null,
    explanation: {
      route: "review",
      riskClass: "medium",
      boundary: "review",
      threshold: 0.97,
      confidence: 0.83,
      triggers: [],
      reasons: ["confidence 0.83 is below the medium threshold 0.97"],
      policyVersion: "v1",
    },
    idempotencyKey: null,
    requestHash: "hash",
    callbackUrl: null,
    submittedBy: "key_automation",
    policyVersion: "v1",
    createdAt: T0,
    ...overrides,
  };
}

/** The events a submit writes. */
export function submitted(c: NewCase): NewEvent[] {
  return [
    { type: "submitted", caseId: c.id, actor: c.submittedBy, data: {}, at: c.createdAt },
    { type: "routed", caseId: c.id, actor: "policy", data: { route: c.route }, at: c.createdAt },
  ];
}

export function webhook(caseId: string, overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return {
    id: randomUUID(),
    caseId,
    keyId: "key_automation",
    url: "http://127.0.0.1:1/hook",
    body: JSON.stringify({ type: "case.decided", caseId }),
    createdAt: T0,
    ...overrides,
  };
}

/** A workflow name no other test in the file uses, so claims in one test never see another's cases. */
export function uniqueWorkflow(): string {
  return `wf.${randomUUID().slice(0, 8)}`;
}
