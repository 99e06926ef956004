import type { Db } from "../rows.js";
import { REAL_CASE } from "./governance-scan.js";

/** A `routed` or `decided` event with its case's workflow, for the Prometheus counters. */
export interface CountedEvent {
  seq: number;
  type: "routed" | "decided";
  at: number;
  workflow: string;
  /** The event's data: `route` for routed, `verdict` (and `heldMs` for a person's) for decided. */
  data: Record<string, unknown>;
}

/**
 * Up to `limit` `routed` and `decided` events after `afterSeq`, oldest first, of real cases (shadow
 * cases are left out, as from the governance figures): the Prometheus counters read the append-only log
 * from where they stopped, so a scrape costs the events since the last one.
 */
export async function countedEventsAfter(db: Db, afterSeq: number, limit: number): Promise<CountedEvent[]> {
  const rows = await db
    .selectFrom("events as e")
    .innerJoin("cases as c", "c.id", "e.case_id")
    .select(["e.seq", "e.type", "e.at", "e.data", "c.workflow"])
    .where("e.seq", ">", afterSeq)
    .where("e.type", "in", ["routed", "decided"])
    .where(REAL_CASE)
    .orderBy("e.seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    type: r.type as CountedEvent["type"],
    at: Number(r.at),
    workflow: r.workflow,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
