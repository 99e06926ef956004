import {
  agreementFromLabels,
  type ErosionCount,
  type ErosionFigures,
  erosionFigures,
  erosionGroups,
  type GovernanceFigures,
  type GroupBy,
  talliedFigures,
  talliedGroups,
  utcDay,
} from "@loopgate/core";
import type { OverlapRating, Store } from "../store/index.js";

/**
 * The governance figures of a window, as `GET /v1/metrics/governance` answers them and `loopgate
 * report` prints them: one place computes them so the API and the report never disagree.
 */
export interface GovernanceQuery {
  /** The workflow asked for (echoed as `workflow`), or null for every workflow in `workflows`. */
  workflow: string | null;
  /** Only these workflows (all when undefined). */
  workflows?: string[];
  /** [since, until), epoch ms. */
  since: number;
  until: number;
  groupBy?: GroupBy;
}

/**
 * Reviewer consistency over overlap groups (a real case and its copies, each reviewed independently):
 * each statistic null when undefined (no overlapping items, or one category only), `items` the items
 * rated by at least two reviewers, and the items behind each figure (Fleiss uses only the items with
 * the most common number of raters).
 */
export interface Consistency {
  cohenKappa: number | null;
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
  items: number;
  itemsPerFigure: { cohenKappa: number; fleissKappa: number; krippendorffAlpha: number };
}

/** `consistency` is null when no item in the window was rated by two reviewers (nothing to compare). */
export type Figures = GovernanceFigures & { consistency: Consistency | null };

export interface GovernanceGroup extends Figures {
  key: string;
  /** The reviewer's display name (groupBy reviewer), when the id is a known user or key. */
  name?: string | null;
}

/**
 * Skill erosion (core metrics/erosion.ts): the window's blind judgments, per workflow, and per reviewer
 * only when the report is grouped by reviewer (the route lets only those who oversee the team ask).
 */
export interface Erosion extends ErosionFigures {
  workflows: (ErosionFigures & { workflow: string })[];
  reviewers?: (ErosionFigures & { reviewer: string; name: string | null })[];
}

export interface GovernanceReport extends Figures {
  workflow: string | null;
  since: string;
  until: string;
  erosion: Erosion;
  groups?: GovernanceGroup[];
}

export async function governanceReport(store: Store, q: GovernanceQuery): Promise<GovernanceReport> {
  const { workflows, since, until, groupBy } = q;
  // The whole window's figures are those of every group together, except by reviewer: a reviewer group
  // holds only people's decisions, so the store tallies the window once more without groups.
  const [{ tallies, byReviewer }, ratings, erosionCounts] = await Promise.all([
    store.metrics.reportTallies({ workflows, since, until, groupBy }),
    store.metrics.overlapRatings({ workflows, since, until }),
    store.metrics.erosionCounts({ workflows, since, until }),
  ]);
  const body: GovernanceReport = {
    workflow: q.workflow,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    ...talliedFigures(tallies),
    consistency: consistencyOf(ratings),
    erosion: await erosionOf(store, erosionCounts, groupBy === "reviewer"),
  };
  if (!groupBy) return body;
  const groups = talliedGroups(byReviewer ?? tallies, groupBy);
  const names =
    groupBy === "reviewer"
      ? await Promise.all(groups.map((g) => reviewerName(store, g.key)))
      : groups.map(() => undefined);
  return {
    ...body,
    groups: groups.map((g, i) => ({
      key: g.key,
      ...(groupBy === "reviewer" ? { name: names[i] ?? null } : {}),
      ...g.figures,
      consistency: consistencyOf(ratingsInGroup(ratings, groupBy, g.key)),
    })),
  };
}

async function erosionOf(store: Store, counts: ErosionCount[], perReviewer: boolean): Promise<Erosion> {
  const erosion: Erosion = {
    ...erosionFigures(counts),
    workflows: erosionGroups(counts, "workflow").map((g) => ({ workflow: g.key, ...g.figures })),
  };
  if (!perReviewer) return erosion;
  const groups = erosionGroups(counts, "reviewer");
  const names = await Promise.all(groups.map((g) => reviewerName(store, g.key)));
  erosion.reviewers = groups.map((g, i) => ({ reviewer: g.key, name: names[i] ?? null, ...g.figures }));
  return erosion;
}

function consistencyOf(ratings: readonly OverlapRating[]): Consistency | null {
  const a = agreementFromLabels(ratings);
  if (a.items === 0) return null;
  return {
    cohenKappa: a.cohenKappa.kappa,
    fleissKappa: a.fleissKappa.kappa,
    krippendorffAlpha: a.krippendorffAlpha.alpha,
    items: a.items,
    itemsPerFigure: {
      cohenKappa: a.cohenKappa.items,
      fleissKappa: a.fleissKappa.items,
      krippendorffAlpha: a.krippendorffAlpha.items,
    },
  };
}

/**
 * The ratings behind one group's consistency, whole items only (agreement needs every rating of an
 * item): a risk class takes its items; a day the items whose last rating fell on it (the day the
 * overlap became comparable); a reviewer every item they rated, with the other reviewers' ratings.
 */
function ratingsInGroup(ratings: readonly OverlapRating[], groupBy: GroupBy, key: string): OverlapRating[] {
  const items = new Set<string>();
  if (groupBy === "riskClass") {
    for (const r of ratings) if (r.riskClass === key) items.add(r.item);
  } else if (groupBy === "reviewer") {
    for (const r of ratings) if (r.rater === key) items.add(r.item);
  } else {
    const last = new Map<string, number>();
    for (const r of ratings) last.set(r.item, Math.max(last.get(r.item) ?? r.decidedAt, r.decidedAt));
    for (const [item, at] of last) if (utcDay(at) === key) items.add(item);
  }
  return ratings.filter((r) => items.has(r.item));
}

/** A person's (or a key's) display name, when the id is known. */
export async function reviewerName(store: Store, id: string): Promise<string | null> {
  const user = await store.identity.getUser(id);
  if (user) return user.name;
  const key = await store.identity.getKey(id);
  return key ? key.name : null;
}
