import { randomUUID } from "node:crypto";
import {
  approvalHighErrorsRising,
  classSettings,
  detectRubberStamps,
  detectTeamRubberStamps,
  type ErrorTrendOptions,
  type PolicySet,
  type ReviewDecision,
  type RubberStampOptions,
  type Workflow,
  windowCounts,
} from "@loopgate/core";
import { reviewerName } from "../metrics/governance.js";
import type { AlertRecord, NewAlert, Store } from "../store/index.js";
import { alertSecretOwner } from "../webhooks/signing-secrets.js";
import { queueOverload } from "./queue-overload.js";

/**
 * The oversight run (issue 5, item 6): for each workflow, the rubber-stamp detector over the last
 * `windowDays` of human decisions (per reviewer: relative and absolute signals), the team check over the
 * same decisions pooled (issue 15, item 1) and the approval-high-errors-rising test over the last two
 * windows of that length. Each finding becomes an alert unless one of the same kind, workflow and
 * reviewer is still open (unacknowledged); the store enforces that too, so two processes running at once
 * raise it once.
 */

const DEFAULT_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export interface OversightRunOptions {
  /** Length of the detector's window and of each error-trend window, in days (default 30). */
  windowDays?: number;
  /** Only these workflows (default every loaded one). */
  workflows?: string[];
  /** Who ran it, for the `oversight_alert` events ("system" for the worker). */
  actor?: string;
  detector?: RubberStampOptions;
  errorTrend?: ErrorTrendOptions;
}

export async function runOversight(
  store: Store,
  policies: PolicySet,
  now: number,
  opts: OversightRunOptions = {},
): Promise<AlertRecord[]> {
  const windowMs = (opts.windowDays ?? DEFAULT_WINDOW_DAYS) * DAY_MS;
  const names = opts.workflows ?? [...policies.workflows.keys()];
  const window = { since: new Date(now - windowMs).toISOString(), until: new Date(now).toISOString() };
  const alerts: NewAlert[] = [];
  for (const name of [...names].sort()) {
    const wf = policies.workflows.get(name);
    if (!wf) continue;
    const stored = await store.oversight.reviewDecisions({
      workflow: name,
      since: now - windowMs,
      until: now,
    });
    // The dwell floor starts from the minimum review time the server enforced on each case's class.
    const decisions: ReviewDecision[] = stored.map(({ riskClass, ...d }) => ({
      ...d,
      minReviewMs: classSettings(wf, riskClass).minReviewSeconds * 1000,
    }));
    const detector = { maxMissRate: wf.oversight.maxCatchTrialMissRate, ...opts.detector };
    for (const f of detectRubberStamps(decisions, detector)) {
      if (!f.flagged || (await store.oversight.openAlert("rubber_stamp", name, f.reviewer))) continue;
      const evidence = { ...f.evidence, basis: f.basis, signals: f.signals, window };
      alerts.push(await alertFor(store, wf, "rubber_stamp", f.reviewer, evidence, now, opts.actor));
    }
    for (const t of detectTeamRubberStamps(decisions, detector)) {
      if (!t.flagged || (await store.oversight.openAlert("team_rubber_stamp", name, null))) continue;
      const evidence = { ...t.evidence, signals: t.signals, window };
      alerts.push(await alertFor(store, wf, "team_rubber_stamp", null, evidence, now, opts.actor));
    }
    const counts = async (since: number, until: number) =>
      windowCounts(await store.metrics.governanceTallies({ workflows: [name], since, until }), since, until);
    const trend = approvalHighErrorsRising(
      {
        previous: await counts(now - 2 * windowMs, now - windowMs),
        recent: await counts(now - windowMs, now),
      },
      opts.errorTrend,
    );
    if (trend.flagged && !(await store.oversight.openAlert("approval_high_errors_rising", name, null))) {
      const { flagged: _flagged, reason: _reason, ...figures } = trend;
      const iso = (w: typeof trend.recent) => ({
        ...w,
        since: new Date(w.since).toISOString(),
        until: new Date(w.until).toISOString(),
      });
      const evidence = { ...figures, previous: iso(trend.previous), recent: iso(trend.recent) };
      alerts.push(await alertFor(store, wf, "approval_high_errors_rising", null, evidence, now, opts.actor));
    }
    const overload = await queueOverload(store, wf, now);
    if (overload && !(await store.oversight.openAlert("queue_overload", name, null))) {
      alerts.push(await alertFor(store, wf, "queue_overload", null, overload, now, opts.actor));
    }
  }
  return store.oversight.insertAlerts(alerts);
}

async function alertFor(
  store: Store,
  wf: Workflow,
  kind: NewAlert["kind"],
  reviewer: string | null,
  evidence: Record<string, unknown>,
  now: number,
  actor = "system",
): Promise<NewAlert> {
  const alert = {
    id: `alr_${randomUUID()}`,
    kind,
    workflow: wf.workflow,
    reviewer,
    evidence,
    createdAt: now,
  };
  const url = wf.oversight.alertUrl;
  if (!url) return { ...alert, actor };
  const name = reviewer === null ? null : await reviewerName(store, reviewer);
  return {
    ...alert,
    actor,
    outbox: {
      id: `whk_${randomUUID()}`,
      caseId: null,
      // Alerts belong to no key: each workflow's own secret signs them (webhooks/signing-secrets.ts).
      keyId: alertSecretOwner(wf.workflow),
      url,
      body: alertWebhookBody(
        { ...alert, acknowledgedAt: null, acknowledgedBy: null, ackAction: null, ackNote: null },
        name,
        wf.owner,
      ),
      createdAt: now,
    },
  };
}

/** The `oversight.alert` webhook the owner's `alertUrl` receives (signed like `case.decided`). */
function alertWebhookBody(a: AlertRecord, name: string | null, owner: string): string {
  return JSON.stringify({
    type: "oversight.alert",
    alertId: a.id,
    kind: a.kind,
    workflow: a.workflow,
    owner,
    reviewer: a.reviewer,
    reviewerName: name,
    evidence: a.evidence,
    createdAt: new Date(a.createdAt).toISOString(),
  });
}
