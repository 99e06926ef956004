import { randomUUID } from "node:crypto";
import { endsAlone, VERDICTS } from "@loopgate/core";
import type { ExpressionBuilder, Selectable } from "kysely";
import { insertEvents, type NewEvent } from "../cases/events.js";
import { rowToCase } from "../cases/rows.js";
import type { CaseRecord, DecisionRecord } from "../cases/types.js";
import type { StoreEngine } from "../engine.js";
import { samePersonIds } from "../identity/keys.js";
import type { Db } from "../rows.js";
import type { CasesTable, Database } from "../schema.js";
import type { Claimed } from "./types.js";

/**
 * Claiming: who may take which waiting case (assignment, four-eyes, overlap independence, authority
 * rules), in which order (oldest first; active-learning workflows by uncertainty), exclusively.
 */

export interface ClaimArgs {
  reviewer: string;
  workflows?: string[];
  leaseMs: number;
  now: number;
  /**
   * Only cases this accepts are taken (authority rules, evaluated in code); the others are skipped and
   * stay waiting for someone else. Cases assigned to another reviewer, and cases the person behind
   * `reviewer` already approved under any of their ids (four-eyes), are always skipped.
   */
  eligible?: (c: CaseRecord) => boolean;
  /**
   * Active-learning workflows: when the oldest waiting case belongs to one of these, the claim takes
   * that workflow's waiting case of highest `priority` (the model's uncertainty) instead.
   */
  prioritized?: string[];
}

/** How many waiting cases a claim reads at a time when it must test each against authority rules. */
const CLAIM_BATCH = 50;

/** Verdicts that count towards `review.approvals`: every verdict but a reject (core `endsAlone`). */
export const APPROVING: readonly DecisionRecord["verdict"][] = VERDICTS.filter((v) => !endsAlone(v));

export async function claimNext(engine: StoreEngine, args: ClaimArgs): Promise<Claimed | undefined> {
  const { reviewer, workflows, leaseMs, now, eligible } = args;
  if (workflows?.length === 0) return undefined;
  return engine.db.transaction().execute(async (trx) => {
    // Four-eyes and overlap independence count people: a user and the keys that belong to them are one.
    const person = await samePersonIds(trx, reviewer);
    const waiting = () => {
      let q = reviewable(trx, reviewer, person).where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "claimed"), eb("lease_expires_at", "<=", now)]),
        ]),
      );
      if (workflows) q = q.where("workflow", "in", workflows);
      return q;
    };
    // Without `eligible` the first waiting case in order is the one. With it (authority rules,
    // evaluated in code), candidates are read unlocked in batches and each one that passes is then
    // locked alone, re-checking that it still waits: so the cases skipped stay free for concurrent claimers.
    const first = async (
      narrow: (q: ReturnType<typeof waiting>) => ReturnType<typeof waiting>,
      byPriority: boolean,
    ): Promise<Selectable<CasesTable> | undefined> => {
      const ordered = () => {
        const q = narrow(waiting());
        return (byPriority ? q.orderBy("priority", "desc") : q).orderBy("created_at").orderBy("id");
      };
      if (!eligible) return engine.lockForClaim(ordered().limit(1)).executeTakeFirst();
      let after: Selectable<CasesTable> | undefined;
      for (;;) {
        let page = ordered().limit(CLAIM_BATCH);
        if (after) page = page.where(laterThan(after, byPriority));
        const rows = await page.execute();
        for (const candidate of rows) {
          if (!eligible(rowToCase(candidate))) continue;
          const row = await engine.lockForClaim(waiting().where("id", "=", candidate.id)).executeTakeFirst();
          if (row) return row;
        }
        after = rows.at(-1);
        if (rows.length < CLAIM_BATCH || !after) return undefined;
      }
    };
    // Oldest first across workflows, so every workflow gets its turn; when the turn falls to an
    // active-learning workflow, its most uncertain waiting case goes instead of its oldest.
    let row = await first((q) => q, false);
    const turn = row?.workflow;
    if (turn !== undefined && args.prioritized?.includes(turn)) {
      row = (await first((q) => q.where("workflow", "=", turn), true)) ?? row;
    }
    if (!row) return undefined;

    // The row is ours until commit (lockForClaim), so the update needs no re-check of its state.
    const lease = { id: randomUUID(), expiresAt: now + leaseMs };
    const taken = {
      status: "claimed",
      lease_id: lease.id,
      lease_holder: reviewer,
      claimed_at: now,
      lease_expires_at: lease.expiresAt,
    } satisfies Partial<Selectable<CasesTable>>;
    await trx.updateTable("cases").set(taken).where("id", "=", row.id).execute();

    const events: NewEvent[] = [];
    if (row.status === "claimed") {
      events.push({
        type: "lease_expired",
        caseId: row.id,
        actor: "system",
        data: { leaseId: row.lease_id, holder: row.lease_holder, expiredAt: row.lease_expires_at },
        at: now,
      });
    }
    events.push({
      type: "claimed",
      caseId: row.id,
      actor: reviewer,
      data: { leaseId: lease.id, expiresAt: lease.expiresAt },
      at: now,
    });
    await insertEvents(trx, events);
    return { case: rowToCase({ ...row, ...taken }), lease };
  });
}

/**
 * Cases `reviewer` may take at all: not assigned to someone else, and not already approved by the same
 * person under any of their ids, `person` (four-eyes: the next approval must come from another person).
 * Undecided cases only have decision rows from earlier approvals (or revoked ones), so any live
 * approving row of theirs excludes the case.
 */
function reviewable(db: Db, reviewer: string, person: string[]) {
  return db
    .selectFrom("cases")
    .selectAll()
    .where((eb) => eb.or([eb("assigned_to", "is", null), eb("assigned_to", "=", reviewer)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("decisions")
            .select("decisions.id")
            .whereRef("decisions.case_id", "=", "cases.id")
            .where("decisions.decided_by", "in", person)
            .where("decisions.verdict", "in", APPROVING)
            // A revoked decision (release window, migration 005) no longer counts as theirs.
            .where("decisions.revoked_at", "is", null),
        ),
      ),
    )
    .where((eb) => eb.not(eb.exists(heldOrDecidedInGroup(eb, person))));
}

/**
 * Overlap independence: another case of this one's overlap group (the real case and its copies, named
 * by `coalesce(overlap_of, id)`) that the same person holds or decided under any of their ids,
 * `person`. Written as two indexed look-ups (the real case by id, the copies by `overlap_of`) rather
 * than comparing coalesce() on both sides, which no index serves. A case outside any group finds
 * nothing here.
 */
function heldOrDecidedInGroup(eb: ExpressionBuilder<Database, "cases">, person: string[]) {
  const realId = eb.fn.coalesce("cases.overlap_of", "cases.id");
  return eb
    .selectFrom("cases as g")
    .select("g.id")
    .whereRef("g.id", "!=", "cases.id")
    .where((g) => g.or([g("g.overlap_of", "=", realId), g("g.id", "=", eb.ref("cases.overlap_of"))]))
    .where((g) =>
      g.or([
        g("g.lease_holder", "in", person),
        g.exists(
          g
            .selectFrom("decisions as gd")
            .select("gd.id")
            .whereRef("gd.case_id", "=", "g.id")
            .where("gd.decided_by", "in", person),
        ),
      ]),
    );
}

/**
 * Keyset position after a row in the queue's order: `(created_at, id)`, or with `byPriority`
 * `(priority desc, created_at, id)` (active-learning queues).
 */
function laterThan(after: { priority: number; created_at: number; id: string }, byPriority = false) {
  return (eb: ExpressionBuilder<Database, "cases">) => {
    const sameTime = eb.or([
      eb("created_at", ">", after.created_at),
      eb.and([eb("created_at", "=", after.created_at), eb("id", ">", after.id)]),
    ]);
    if (!byPriority) return sameTime;
    return eb.or([
      eb("priority", "<", after.priority),
      eb.and([eb("priority", "=", after.priority), sameTime]),
    ]);
  };
}
