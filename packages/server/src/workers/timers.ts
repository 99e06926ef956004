import { randomUUID } from "node:crypto";
import { handoffSummary, type PolicySet, slaTimes, type Workflow } from "@loopgate/core";
import type { DecisionSigner } from "../decision-signature.js";
import type {
  CaseDetail,
  CaseRecord,
  NewDecision,
  Store,
  TimerEffect,
  TimerKind,
  TimerRecord,
} from "../store/index.js";
import { isShadow } from "../store/index.js";
import { holdTimer } from "../suspensions/holds.js";
import { decidedWebhookBody } from "../webhooks/bodies.js";
import { LeasedRowsWorker } from "./leased-rows.js";
import type { WorkerLogger } from "./poll-loop.js";
import { approveRefusal } from "./timeout-approval.js";

export interface TimerWorkerOptions {
  store: Store;
  /** Signs the decision an SLA timeout makes, in its webhook body. */
  decisionSigner: DecisionSigner;
  policies: () => PolicySet;
  /** Epoch ms: decides what is due and stamps what fires (tests move it instead of sleeping). */
  clock: () => number;
  logger?: WorkerLogger;
  /** How often to look for due timers. */
  pollMs?: number;
  /** How long a claimed timer is ours; another worker may take it after that. */
  leaseMs?: number;
  batchSize?: number;
  /** Called after a timer fired and committed (wake long-polls, the live stream, the outbox). */
  onFired?: (c: CaseRecord, kind: TimerKind, wroteWebhook: boolean) => void;
}

/**
 * Fires durable timers: release windows ending (`decision_released`), SLA reminders (`sla_reminder`)
 * and SLA timeouts (reject, approve or escalate per `sla.onTimeout`; an approve only where the policy
 * in force would let the machine act alone, else an escalation: timeout-approval.ts). Timers are rows in the database,
 * claimed with a lease and fired in one transaction that marks them done, so a restart loses none and
 * none fires twice, even with several processes on one PostgreSQL.
 */
export class TimerWorker {
  readonly #o: Required<Omit<TimerWorkerOptions, "logger" | "onFired">> &
    Pick<TimerWorkerOptions, "logger" | "onFired">;
  readonly #rows: LeasedRowsWorker<TimerRecord, boolean>;

  constructor(options: TimerWorkerOptions) {
    this.#o = { pollMs: 1000, leaseMs: 30_000, batchSize: 20, ...options };
    this.#rows = new LeasedRowsWorker(
      {
        name: "timers",
        claim: (due) => this.#o.store.timers.claim(due),
        run: (t) => this.#fire(t),
        order: "in order",
        logFields: (t) => ({ timerId: t.id, caseId: t.caseId }),
      },
      this.#o,
    );
  }

  /** Starts polling; the first round runs at once. */
  start(): void {
    this.#rows.start();
  }

  /** Stops polling and waits for the timer being fired to commit. */
  stop(): Promise<void> {
    return this.#rows.stop();
  }

  /** One round: claims the due timers and fires them in due order. Resolves to how many fired. */
  async runOnce(): Promise<number> {
    return (await this.#rows.runOnce()).results.filter((fired) => fired).length;
  }

  /** False when there was nothing left to do (the case moved on) or another process fired it first. */
  async #fire(t: TimerRecord): Promise<boolean> {
    const { store, clock } = this.#o;
    const now = clock();
    const before = await store.cases.get(t.caseId);
    const wf = this.#o.policies().workflows.get(before?.workflow ?? "");
    // The stop button: a release or a clock's approval waits while a suspension covers the case.
    if (before && (await holdTimer(store, t, before, wf, now))) return false;
    // The handoff names who held the case; read before the firing transaction (names need look-ups).
    // A case's facts and route never change once submitted, so a refusal read here holds inside it too.
    let handoff = "";
    if (t.kind === "sla_timeout" && wf && before) {
      const refused = wf.sla.onTimeout === "approve" ? approveRefusal(wf, before) : undefined;
      if (wf.sla.onTimeout === "escalate" || refused !== undefined) {
        handoff = await this.#handoff(t.caseId, wf, refused);
      }
    }
    let wroteWebhook = false;
    const result = await store.timers.fire({
      timerId: t.id,
      now,
      effect: (c, timer) => {
        const e = effectOf(c, timer, wf, now, handoff, this.#o.decisionSigner);
        wroteWebhook = e?.outbox !== undefined;
        return e;
      },
    });
    if (result.fired && result.case) this.#o.onFired?.(result.case, t.kind, wroteWebhook);
    return result.fired;
  }

  async #handoff(caseId: string, wf: Workflow, approveRefused: string | undefined): Promise<string> {
    const detail = await this.#o.store.cases.detail(caseId);
    if (!detail) return "";
    const names = new Map<string, string>();
    const nameOf = async (id: string) => {
      if (!names.has(id)) {
        const found = id.startsWith("usr_")
          ? await this.#o.store.identity.getUser(id)
          : await this.#o.store.identity.getKey(id);
        names.set(id, found?.name ?? id);
      }
      return names.get(id) as string;
    };
    const holders: Array<{ who: string; outcome: string }> = [];
    for (const h of holdersOf(detail)) holders.push({ who: await nameOf(h.id), outcome: h.outcome });
    const notes = detail.events
      .filter((e) => e.type === "revoked" && typeof e.data.reason === "string")
      .map((e) => `decision revoked: ${String(e.data.reason)}`);
    if (approveRefused !== undefined) notes.push(`not approved on timeout: ${approveRefused}`);
    return handoffSummary({
      withinSeconds: wf.sla.reviewWithinSeconds ?? 0,
      escalateTo: wf.sla.escalateTo,
      holders,
      notes,
    });
  }
}

/** Who held the case, in order, and how each hold ended. */
function holdersOf(detail: CaseDetail): Array<{ id: string; outcome: string }> {
  const out: Array<{ id: string; outcome: string }> = [];
  for (const e of detail.events) {
    if (e.type === "claimed") out.push({ id: e.actor, outcome: "held it at the deadline" });
    const last = out.at(-1);
    if (!last) continue;
    if (e.type === "released") last.outcome = "released it";
    if (e.type === "lease_expired") last.outcome = "let the lease expire";
    if (e.type === "revoked") last.outcome = "decided, then revoked";
  }
  return out;
}

/** What firing `timer` does to case `c` now; null when there is nothing left to do. */
function effectOf(
  c: CaseRecord,
  timer: TimerRecord,
  wf: Workflow | undefined,
  now: number,
  handoff: string,
  signer: DecisionSigner,
): TimerEffect | null {
  const event = (type: TimerEffect["events"][number]["type"], data: Record<string, unknown>) => ({
    type,
    caseId: c.id,
    actor: "sla",
    data,
    at: now,
  });
  if (timer.kind === "release") {
    if (c.status !== "decided" || c.releaseAt !== timer.dueAt || c.releasedAt !== null) return null;
    return {
      case: { releasedAt: now },
      events: [
        {
          ...event("decision_released", { releaseAt: new Date(timer.dueAt).toISOString() }),
          actor: "system",
        },
      ],
    };
  }
  if (c.status === "decided" || c.slaDueAt === null) return null;
  const dueAt = new Date(c.slaDueAt).toISOString();
  if (timer.kind === "sla_reminder") {
    if (timer.dueAt >= c.slaDueAt) return null;
    return { events: [event("sla_reminder", { dueAt, holder: c.lease?.holder ?? null })] };
  }
  // sla_timeout: only the timer of the current deadline acts (an escalation or revoke set a new one).
  if (timer.dueAt !== c.slaDueAt || !wf) return null;
  if (c.escalatedTo !== null) {
    return { events: [event("sla_breached", { dueAt, escalatedTo: c.escalatedTo })] };
  }
  if (wf.sla.onTimeout === "escalate") return escalation(c, wf, now, handoff, {});
  const approve = wf.sla.onTimeout === "approve";
  // The clock approves only what the machine could do alone now (timeout-approval.ts); anything else
  // goes to a person as escalate would, and the event says the approve was refused and why.
  const refused = approve ? approveRefusal(wf, c) : undefined;
  if (refused !== undefined) {
    const why = { onTimeout: "approve", approveRefused: true, refusedBecause: refused };
    return escalation(c, wf, now, handoff, why);
  }
  const decision: NewDecision = {
    id: `dec_${randomUUID()}`,
    decidedBy: "sla",
    verdict: approve ? "approve" : "reject",
    output: approve ? c.proposal : null,
    reasonCode: approve ? null : "sla_timeout",
    note: `no decision by ${dueAt}`,
    claimedAt: null,
    decidedAt: now,
    heldMs: null,
  };
  return {
    case: { status: "decided", decidedAt: now, clearLease: true },
    decision,
    events: [
      event("decided", {
        decisionId: decision.id,
        verdict: decision.verdict,
        reasonCode: decision.reasonCode,
        timeout: true,
      }),
    ],
    ...(c.callbackUrl !== null &&
      !isShadow(c) && {
        outbox: {
          id: `whk_${randomUUID()}`,
          caseId: c.id,
          keyId: c.submittedBy,
          url: c.callbackUrl,
          body: decidedWebhookBody(c, decision, signer),
          createdAt: now,
        },
      }),
  };
}

/** Escalating `c` to `sla.escalateTo`: back to the queue with the handoff and a new deadline. */
function escalation(
  c: CaseRecord,
  wf: Workflow,
  now: number,
  handoff: string,
  extra: Record<string, unknown>,
): TimerEffect {
  const next = slaTimes(now, wf.sla.reviewWithinSeconds ?? 0);
  return {
    case: {
      escalatedTo: wf.sla.escalateTo,
      handoff,
      slaDueAt: next.dueAt,
      status: "queued",
      clearLease: true,
    },
    events: [
      {
        type: "escalated",
        caseId: c.id,
        actor: "sla",
        data: {
          to: wf.sla.escalateTo,
          missedDueAt: new Date(c.slaDueAt ?? now).toISOString(),
          dueAt: new Date(next.dueAt).toISOString(),
          holder: c.lease?.holder ?? null,
          handoff,
          ...extra,
        },
        at: now,
      },
    ],
    timers: [
      { id: `tmr_${randomUUID()}`, caseId: c.id, kind: "sla_reminder", dueAt: next.reminderAt },
      { id: `tmr_${randomUUID()}`, caseId: c.id, kind: "sla_timeout", dueAt: next.dueAt },
    ],
  };
}
