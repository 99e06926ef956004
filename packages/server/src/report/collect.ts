import type { Workflow } from "@loopgate/core";
import { governanceReport, reviewerName } from "../metrics/governance.js";
import { personName } from "../metrics/person-name.js";
import type { Store } from "../store/index.js";
import type { Consistency, ReportAlert, ReportData, ReportPause, ReportSuspension } from "./types.js";

export interface CollectOptions {
  workflow: Workflow;
  /** [since, until), epoch ms. */
  since: number;
  until: number;
  now: number;
}

/**
 * Reads everything the report shows from the store. The figures come from `governanceReport`, the
 * function behind `GET /v1/metrics/governance`, so the report and the API agree to the digit.
 */
export async function collectReport(store: Store, o: CollectOptions): Promise<ReportData> {
  const q = {
    workflow: o.workflow.workflow,
    workflows: [o.workflow.workflow],
    since: o.since,
    until: o.until,
  };
  const [byDay, byReviewer] = await Promise.all([
    governanceReport(store, { ...q, groupBy: "day" }),
    governanceReport(store, { ...q, groupBy: "reviewer" }),
  ]);
  const { groups: days = [], ...overall } = byDay;
  return {
    workflow: o.workflow.workflow,
    owner: o.workflow.owner,
    policyVersion: o.workflow.source.version,
    since: o.since,
    until: o.until,
    generatedAt: o.now,
    figures: overall,
    consistency: consistencyOf(overall.consistency as unknown),
    days,
    reviewers: byReviewer.groups ?? [],
    erosion: byReviewer.erosion,
    alerts: await alertsOf(store, o),
    suspensions: await suspensionsOf(store, o),
    pauses: await pausesOf(store, o),
  };
}

/** Reviewers paused at some time in the window, oldest first, with the names of who acted. */
async function pausesOf(store: Store, o: CollectOptions): Promise<ReportPause[]> {
  const rows = await store.pauses.during([o.workflow.workflow], o.since, o.until);
  const name = (id: string) => personName(store, id);
  const out: ReportPause[] = [];
  for (const p of rows) {
    out.push({
      id: p.id,
      reviewer: p.reviewer,
      reviewerName: await name(p.reviewer),
      alertId: p.alertId,
      note: p.note,
      pausedByName: await name(p.pausedBy),
      pausedAt: p.pausedAt,
      resumedByName: p.resumedBy === null ? null : await name(p.resumedBy),
      resumedAt: p.resumedAt,
      resumeNote: p.resumeNote,
    });
  }
  return out;
}

/** Suspensions in force at some time in the window, oldest first, with the names of who acted. */
async function suspensionsOf(store: Store, o: CollectOptions): Promise<ReportSuspension[]> {
  const rows = await store.suspensions.during([o.workflow.workflow], o.since, o.until);
  const out: ReportSuspension[] = [];
  for (const s of rows) {
    out.push({
      id: s.id,
      action: s.action,
      reason: s.reason,
      suspendedBy: s.suspendedBy,
      suspendedByName: (await reviewerName(store, s.suspendedBy)) ?? s.suspendedBy,
      suspendedAt: s.suspendedAt,
      resumedBy: s.resumedBy,
      resumedByName: s.resumedBy === null ? null : await reviewerName(store, s.resumedBy),
      resumedAt: s.resumedAt,
      resumeNote: s.resumeNote,
    });
  }
  return out;
}

/** The workflow's alerts raised in the window, oldest first. */
async function alertsOf(store: Store, o: CollectOptions): Promise<ReportAlert[]> {
  const rows = await store.oversight.listAlerts({ workflows: [o.workflow.workflow], since: o.since });
  const alerts: ReportAlert[] = [];
  for (const a of rows) {
    if (a.createdAt < o.since || a.createdAt >= o.until) continue;
    alerts.push({
      id: a.id,
      kind: a.kind,
      reviewer: a.reviewer,
      reviewerName: a.reviewer ? await reviewerName(store, a.reviewer) : null,
      evidence: a.evidence,
      createdAt: a.createdAt,
      acknowledgedAt: a.acknowledgedAt,
      acknowledgedByName: a.acknowledgedBy === null ? null : await personName(store, a.acknowledgedBy),
      ackAction: a.ackAction,
      ackNote: a.ackNote,
    });
  }
  return alerts.sort((a, b) => a.createdAt - b.createdAt);
}

const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * The agreement figures when the metrics carry them (`{cohenKappa, fleissKappa, krippendorffAlpha,
 * items, itemsPerFigure?}`), null where they are not computed. Read loosely: the items behind the
 * figures may be one count or one per statistic (`itemsPerFigure`, or an object in `items`).
 */
export function consistencyOf(value: unknown): Consistency | null {
  if (value === null || typeof value !== "object") return null;
  const c = value as Record<string, unknown>;
  const items: Record<string, number> = {};
  if (typeof c.items === "number") items.all = c.items;
  for (const perFigure of [c.items, c.itemsPerFigure]) {
    if (!perFigure || typeof perFigure !== "object") continue;
    for (const [k, v] of Object.entries(perFigure)) if (typeof v === "number") items[k] = v;
  }
  return {
    cohenKappa: numberOrNull(c.cohenKappa),
    fleissKappa: numberOrNull(c.fleissKappa),
    krippendorffAlpha: numberOrNull(c.krippendorffAlpha),
    items,
  };
}
