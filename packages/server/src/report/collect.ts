import type { Workflow } from "@loopgate/core";
import { governanceReport, reviewerName } from "../metrics/governance.js";
import type { Store } from "../store/index.js";
import type { Consistency, ReportAlert, ReportData } from "./types.js";

export interface CollectOptions {
  workflow: Workflow;
  /** [since, until), epoch ms. */
  since: number;
  until: number;
  now: number;
}

/** The alert listing the oversight work adds to the store; older stores do not have it. */
type AlertLister = (q: { workflows: string[]; since: number }) => Promise<unknown[]>;

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
    alerts: await alertsOf(store, o),
  };
}

/** null while the store cannot list alerts; else the workflow's alerts raised in the window. */
async function alertsOf(store: Store, o: CollectOptions): Promise<ReportAlert[] | null> {
  // Looked up at run time so this compiles whether or not the Store interface declares it yet.
  const list = (store as unknown as { listAlerts?: AlertLister }).listAlerts;
  if (typeof list !== "function") return null;
  const rows = await list.call(store, { workflows: [o.workflow.workflow], since: o.since });
  const alerts: ReportAlert[] = [];
  for (const row of rows) {
    const a = row as Record<string, unknown>;
    const createdAt = timeOf(a.createdAt);
    if (createdAt === null || createdAt < o.since || createdAt >= o.until) continue;
    const reviewer = typeof a.reviewer === "string" ? a.reviewer : null;
    alerts.push({
      id: String(a.id ?? ""),
      kind: String(a.kind ?? "alert"),
      reviewer,
      reviewerName: reviewer ? await reviewerName(store, reviewer) : null,
      evidence: a.evidence ?? null,
      createdAt,
      acknowledgedAt: timeOf(a.acknowledgedAt),
    });
  }
  return alerts.sort((a, b) => a.createdAt - b.createdAt);
}

/** Epoch ms from a number or an ISO string; null otherwise. */
function timeOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
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
