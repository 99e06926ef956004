import { type GovernanceFigures, type GroupBy, governanceFigures, governanceGroups } from "@loopgate/core";
import type { Store } from "../store/index.js";

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

export type Figures = GovernanceFigures & { consistency: null };

export interface GovernanceGroup extends Figures {
  key: string;
  /** The reviewer's display name (groupBy reviewer), when the id is a known user or key. */
  name?: string | null;
}

export interface GovernanceReport extends Figures {
  workflow: string | null;
  since: string;
  until: string;
  groups?: GovernanceGroup[];
}

const withNulls = (f: GovernanceFigures): Figures => ({ ...f, consistency: null });

export async function governanceReport(store: Store, q: GovernanceQuery): Promise<GovernanceReport> {
  const { workflows, since, until, groupBy } = q;
  const rows = await store.governanceRows({ workflows, since, until });
  const body: GovernanceReport = {
    workflow: q.workflow,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    ...withNulls(governanceFigures(rows)),
  };
  if (!groupBy) return body;
  const groups = governanceGroups(rows, groupBy);
  const names =
    groupBy === "reviewer"
      ? await Promise.all(groups.map((g) => reviewerName(store, g.key)))
      : groups.map(() => undefined);
  return {
    ...body,
    groups: groups.map((g, i) => ({
      key: g.key,
      ...(groupBy === "reviewer" ? { name: names[i] ?? null } : {}),
      ...withNulls(g.figures),
    })),
  };
}

/** A person's (or a key's) display name, when the id is known. */
export async function reviewerName(store: Store, id: string): Promise<string | null> {
  const user = await store.getUser(id);
  if (user) return user.name;
  const key = await store.getKey(id);
  return key ? key.name : null;
}
