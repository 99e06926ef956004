import { randomUUID } from "node:crypto";
import type { GroupBy } from "@loopgate/core";
import fc from "fast-check";
import type { Store } from "../../src/store/index.js";
import { newCase } from "./fixtures.js";

/**
 * The random histories the rollup property test (metric-rollups.test.ts) writes through the store:
 * what a case's life may hold (submits with shadows, decisions, four-eyes approvals, held decisions
 * revoked and decided again, SLA timeouts, outcomes, audit verdicts), the windows it is read over, and
 * `play`, which writes one case's plan.
 */

export const DAY = 86_400_000;
/** Midnight UTC, so days are easy to read in a failure; every history starts somewhere in the next day. */
export const START = Date.parse("2026-03-01T00:00:00Z");
export const GROUPINGS: (GroupBy | undefined)[] = [undefined, "riskClass", "day", "reviewer"];
const VERDICTS = ["approve", "edit", "reject", "override"] as const;

const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decide" as const),
      reviewer: fc.integer({ min: 0, max: 3 }),
      verdict: fc.constantFrom(...VERDICTS),
      reason: fc.constantFrom(null, "wrong_amount", "duplicate"),
      after: fc.integer({ min: 0, max: 2 * DAY }),
      /** Held this long in a release window (then a revoke can take it back). */
      hold: fc.option(fc.integer({ min: 60_000, max: DAY }), { nil: undefined, freq: 2 }),
      fourEyes: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      after: fc.integer({ min: 0, max: DAY / 24 }),
    }),
  },
  fc.record({
    kind: fc.constant("timeout" as const),
    after: fc.integer({ min: 0, max: 2 * DAY }),
    verdict: fc.constantFrom("approve", "reject", "escalate"),
  }),
  fc.record({
    kind: fc.constant("outcome" as const),
    after: fc.integer({ min: 0, max: DAY }),
    result: fc.constantFrom("correct" as const, "incorrect" as const),
    // Reported as of some time, not necessarily now: ties and out-of-order reports happen.
    reportedShift: fc.integer({ min: -DAY, max: DAY }),
  }),
  fc.record({
    kind: fc.constant("audit" as const),
    after: fc.integer({ min: 0, max: DAY }),
    result: fc.constantFrom("correct" as const, "incorrect" as const),
  }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

export const casePlan = fc.record({
  workflow: fc.integer({ min: 0, max: 1 }),
  riskClass: fc.constantFrom("low", "medium", "high"),
  route: fc.constantFrom("auto", "review", "review", "human_only"),
  triggers: fc.subarray(["flagged", "rush", "new_supplier"]),
  // Over more days than the rebuild reads at a time (14); often in the first two, so that several
  // people decide cases of one workflow, day and risk class (their `team` rollup document).
  at: fc.oneof(fc.integer({ min: 0, max: 20 * DAY }), fc.integer({ min: 0, max: 2 * DAY })),
  /** Held auto decisions can be revoked too. */
  autoHold: fc.option(fc.integer({ min: 60_000, max: DAY }), { nil: undefined }),
  /** The steps happen to a shadow submitted with the case (catch trial or overlap copy): they count nowhere. */
  shadow: fc.constantFrom(null, null, null, "gold", "overlap"),
  steps: fc.array(step, { maxLength: 5 }),
  /** With a shadow, what happens to the real case meanwhile (an overlap group is rated on both). */
  realSteps: fc.array(step, { maxLength: 3 }),
});
export type CasePlan = typeof casePlan extends fc.Arbitrary<infer P> ? P : never;

/** A window: start and length in ms from START (mostly mid-day; sometimes on a midnight). */
export const windowArb = fc.record({
  since: fc.oneof(
    fc.integer({ min: -DAY, max: 20 * DAY }),
    fc.integer({ min: -1, max: 20 }).map((d) => d * DAY),
  ),
  length: fc.oneof(
    fc.integer({ min: 1, max: 10 * DAY }),
    fc.integer({ min: 1, max: 10 }).map((d) => d * DAY),
  ),
  bothWorkflows: fc.boolean(),
});

/** Submits one case (and its shadow), then tries each step on the case the steps are for. */
export async function play(store: Store, workflows: string[], plan: CasePlan): Promise<void> {
  let now = START + DAY + plan.at;
  const workflow = workflows[plan.workflow] as string;
  const real = newCase({
    workflow,
    route: plan.route as "auto" | "review" | "human_only",
    status: plan.route === "auto" ? "decided" : "queued",
    riskClass: plan.riskClass,
    createdAt: now,
    explanation: { ...newCase().explanation, triggers: plan.triggers },
  });
  const shadow =
    plan.shadow === null
      ? undefined
      : newCase({
          workflow,
          riskClass: plan.riskClass,
          createdAt: now,
          ...(plan.shadow === "gold" ? { goldId: `gold_${randomUUID()}` } : { overlapOf: real.id }),
        });
  const target = shadow ?? real;
  const timerId = `tmr_${randomUUID()}`;
  const timer = { id: timerId, caseId: target.id, kind: "sla_timeout" as const, dueAt: now + DAY };
  await store.cases.insert(real, {
    events: [],
    ...(plan.route === "auto" && {
      decision: policyDecision(now),
      ...(plan.autoHold !== undefined && { releaseAt: now + plan.autoHold }),
    }),
    timers: shadow ? [] : [timer],
    shadows: shadow ? [{ case: shadow, events: [], timers: [timer] }] : [],
  });
  const steps = [
    ...plan.steps.map((s) => ({ s, caseId: target.id })),
    ...(shadow ? plan.realSteps.map((s) => ({ s, caseId: real.id })) : []),
  ];
  const audited = new Set<string>();
  for (const { s, caseId } of steps) {
    now += s.after + 1;
    // A case is drawn for audit once (the draw leaves audited cases out).
    if (s.kind === "audit" && audited.has(caseId)) continue;
    if (s.kind === "audit") audited.add(caseId);
    await tryStep(store, workflow, caseId, caseId === target.id ? timerId : "", s, now);
  }
}

/** A step the case's state does not allow (deciding a decided case, revoking a released one) is skipped. */
async function tryStep(
  store: Store,
  workflow: string,
  caseId: string,
  timerId: string,
  s: Step,
  now: number,
) {
  try {
    switch (s.kind) {
      case "decide": {
        const reviewer = `usr_${s.reviewer}`;
        const claimed = await store.review.claimNext({
          reviewer,
          workflows: [workflow],
          leaseMs: 10 * DAY,
          now,
          eligible: (c) => c.id === caseId,
        });
        if (!claimed) return;
        await store.review.recordDecision({
          caseId,
          reviewer,
          decisionId: `dec_${randomUUID()}`,
          verdict: s.verdict,
          output: { pay: 1 },
          reasonCode: s.reason,
          note: null,
          now: now + 1000,
          ...(s.hold !== undefined && { releaseAt: now + 1000 + s.hold }),
          ...(s.fourEyes && s.verdict !== "reject" && { pendingApprovals: { count: 1, needed: 2 } }),
        });
        return;
      }
      case "revoke":
        await store.review.revoke({ caseId, actor: "usr_owner", reason: "second thoughts", now });
        return;
      case "timeout":
        await store.timers.fire({
          timerId,
          now,
          effect: (c) =>
            c.status === "decided"
              ? null
              : s.verdict === "escalate"
                ? { case: { escalatedTo: "supervisor" }, events: [] }
                : {
                    case: { status: "decided", decidedAt: now, clearLease: true },
                    decision: {
                      ...policyDecision(now),
                      decidedBy: "sla",
                      verdict: s.verdict as "approve" | "reject",
                    },
                    events: [],
                  },
        });
        return;
      case "outcome":
        await store.oversight.insertOutcome({
          id: `out_${randomUUID()}`,
          caseId,
          result: s.result,
          details: null,
          reportedBy: "key_automation",
          reportedAt: now + s.reportedShift,
          now,
        });
        return;
      case "audit": {
        const drawId = `draw_${randomUUID()}`;
        const auditId = `aud_${randomUUID()}`;
        await store.oversight.insertAuditDraw({
          id: drawId,
          workflow,
          seed: "s",
          rate: 0.1,
          meanWeight: 1,
          fastBelowMs: null,
          since: 0,
          until: now,
          population: 1,
          drawnBy: "usr_owner",
          drawnAt: now,
          audits: [{ id: auditId, caseId, probability: 0.1, weight: 10 }],
        });
        await store.oversight.recordAuditVerdict({
          id: auditId,
          caseId,
          result: s.result,
          note: null,
          auditor: "usr_auditor",
          at: now,
        });
        return;
      }
    }
  } catch (error) {
    if ((error as Error).name !== "Conflict") throw error;
  }
}

function policyDecision(now: number) {
  return {
    id: `dec_${randomUUID()}`,
    decidedBy: "policy",
    verdict: "approve" as const,
    output: { pay: 1 },
    reasonCode: null,
    note: null,
    claimedAt: null,
    decidedAt: now,
    heldMs: null,
  };
}
