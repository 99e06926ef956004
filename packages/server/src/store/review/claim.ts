import { randomUUID } from "node:crypto";
import { endsAlone, VERDICTS, WorkloadLimitReached, type WorkloadLimits } from "@loopgate/core";
import type { Selectable } from "kysely";
import { insertEvents } from "../cases/events.js";
import { rowToCase } from "../cases/rows.js";
import type { CaseRecord, DecisionRecord } from "../cases/types.js";
import type { StoreEngine, TransactionNotice } from "../engine.js";
import { samePersonIds } from "../identity/keys.js";
import type { Db } from "../rows.js";
import type { CasesTable } from "../schema.js";
import {
  type CaseRow,
  type Claimer,
  expiredLeases,
  type HeadRow,
  oneCase,
  overlapMembers,
  type QueueOrder,
  type QueuePosition,
  queueHead,
  stillWaiting,
  waitingWorkflows,
} from "./claim-queries.js";
import type { Claimed } from "./types.js";
import { workloadRefusals } from "./workload.js";

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
   * The roles whose escalated cases (SLA escalation) this reviewer may take; `any` for an admin. Cases
   * escalated to other roles are skipped. None when undefined.
   */
  escalationRoles?: readonly string[] | "any";
  /**
   * Active-learning workflows: when the oldest waiting case belongs to one of these, the claim takes
   * that workflow's waiting case of highest `priority` (the model's uncertainty) instead.
   */
  prioritized?: string[];
  /**
   * The client's token for this claim: a claim repeated with the same token while the lease it took
   * lasts answers with that case and lease again (a response lost on the way), instead of taking
   * another. Looked up among this reviewer's own leases only.
   */
  claimToken?: string;
  /**
   * Workload limits by workflow (policy `review.limits`), checked for `workflows` inside the claim's
   * transaction: a workflow whose limit the person has reached gives them nothing. When nothing else
   * could be claimed either, the claim throws WorkloadLimitReached saying which limits and until when.
   */
  limits?: ReadonlyMap<string, WorkloadLimits>;
  /**
   * Only this case (a person deciding from a notification): taken when it is waiting and passes every
   * check a claim of the queue's head makes; nothing else is taken in its place.
   */
  caseId?: string;
  /**
   * The person `reviewer` acts for, when the caller knows it (the principal's: a key's owner is set when
   * the key is made and never changes), saving the look-up.
   */
  person?: string;
  /**
   * A person kept from the workflows they are paused in (reviewer_pauses): checked by the statements that
   * read the queue, inside the claim's transaction, so the claim asks nothing before it. Those workflows
   * give nothing; when none of `workflows` gives anything, the caller may ask why (HTTP: 403 when paused).
   */
  unlessPaused?: string;
  /**
   * PostgreSQL: the notice that tells the other processes of the claimed case, sent with the claim's
   * COMMIT (engine.notifyAtCommit); `Claimed.notified` says whether it went.
   */
  notice?: (c: { id: string; workflow: string }) => TransactionNotice | undefined;
}

/** Verdicts that count towards `review.approvals`: every verdict but a reject (core `endsAlone`). */
export const APPROVING: readonly DecisionRecord["verdict"][] = VERDICTS.filter((v) => !endsAlone(v));
const approving = new Set<string>(APPROVING);

/**
 * The claim reads the head of the queue's indexes (claim-queries.ts), checks those few candidates
 * (assignment, four-eyes, overlap independence, authority) with look-ups by key, and locks the first
 * that passes. Nothing in it grows with the number of waiting cases, only with how many at the head
 * this reviewer must pass over.
 */
export async function claimNext(engine: StoreEngine, args: ClaimArgs): Promise<Claimed | undefined> {
  const { reviewer, workflows, leaseMs, now } = args;
  if (workflows?.length === 0) return undefined;
  return engine.claimTransaction(async (trx) => {
    if (args.claimToken !== undefined) {
      const held = await heldWithToken(trx, reviewer, args.claimToken, now);
      if (held) return held;
    }
    if (requeueDue(engine, now)) {
      const requeued = await requeueExpired(trx, engine.lockForClaim, now);
      // A full batch may have left more behind: the next claim looks again.
      if (requeued < REQUEUE_AT_ONCE) lastRequeue.set(engine, now);
    }
    // Four-eyes and overlap independence count people: a user and the keys that belong to them are one.
    const person = await samePersonIds(trx, reviewer, args.person);
    const refused =
      args.limits && workflows
        ? await workloadRefusals(engine, trx, { person, scope: workflows, limits: args.limits, now })
        : [];
    const open =
      refused.length === 0 ? workflows : workflows?.filter((w) => !refused.some((r) => r.workflow === w));
    if (open?.length === 0) throw new WorkloadLimitReached(refused);
    const claimer = { reviewer, escalationRoles: args.escalationRoles ?? [] };
    const queue = {
      trx,
      ...claimer,
      person,
      now,
      eligible: args.eligible,
      page: engine.claimPage,
      unlessPaused: args.unlessPaused,
    };
    const take = async (order: QueueOrder, scope: string[] | undefined) => {
      for await (const candidates of claimable({ ...queue, order, scope })) {
        const ids = candidates.map((c) => c.id);
        const row = await engine.lockForClaim(stillWaiting(trx, { ...claimer, ids })).executeTakeFirst();
        if (row) return row;
      }
      return undefined;
    };
    // Oldest first across workflows, so every workflow gets its turn; when the turn falls to an
    // active-learning workflow, its most uncertain waiting case goes instead of its oldest.
    let row: CaseRow | undefined;
    if (args.prioritized?.length) {
      const turn = (await claimable({ ...queue, order: "oldest", scope: open }).next()).value?.[0];
      if (turn && args.prioritized.includes(turn.workflow)) row = await take("priority", [turn.workflow]);
    }
    if (args.caseId !== undefined) {
      const one = await oneCase(trx, {
        ...claimer,
        id: args.caseId,
        workflows: open,
        unlessPaused: args.unlessPaused,
      }).execute();
      const passed = one.length > 0 ? await passing({ ...queue, order: "oldest", scope: open }, one) : [];
      if (passed.length > 0)
        row = await engine
          .lockForClaim(stillWaiting(trx, { ...claimer, ids: [args.caseId] }))
          .executeTakeFirst();
      if (!row && refused.length > 0) throw new WorkloadLimitReached(refused);
      if (!row) return undefined;
    }
    row ??= await take("oldest", open);
    if (!row && refused.length > 0) throw new WorkloadLimitReached(refused);
    if (!row) return undefined;

    // The row is ours until commit (lockForClaim), so the update needs no re-check of its state.
    const lease = { id: randomUUID(), expiresAt: now + leaseMs };
    const taken = {
      status: "claimed",
      lease_id: lease.id,
      lease_holder: reviewer,
      claimed_at: now,
      lease_expires_at: lease.expiresAt,
      claim_token: args.claimToken ?? null,
    } satisfies Partial<Selectable<CasesTable>>;
    // The locked row holds the case's audit chain head: the event joins the chain without reading it
    // again, and the lease is written by the UPDATE that moves the head (one statement on PostgreSQL).
    const head =
      row.chain_head === null ? undefined : { head: row.chain_head, length: row.chain_length ?? 0 };
    await insertEvents(
      trx,
      [
        {
          type: "claimed",
          caseId: row.id,
          actor: reviewer,
          data: { leaseId: lease.id, expiresAt: lease.expiresAt },
          at: now,
        },
      ],
      head && new Map([[row.id, head]]),
      taken,
    );
    const notice = args.notice?.(row);
    const notified = notice !== undefined && engine.notifyAtCommit(notice);
    return { case: rowToCase({ ...row, ...taken }), lease, notified };
  });
}

/** The live lease `reviewer` took with `token`, if any: the answer their first claim would have had. */
async function heldWithToken(
  trx: Db,
  reviewer: string,
  token: string,
  now: number,
): Promise<Claimed | undefined> {
  const row = await trx
    .selectFrom("cases")
    .selectAll()
    .where("lease_holder", "=", reviewer)
    .where("claim_token", "=", token)
    .where("status", "=", "claimed")
    .where("lease_expires_at", ">", now)
    .executeTakeFirst();
  if (!row?.lease_id || row.lease_expires_at === null) return undefined;
  return { case: rowToCase(row), lease: { id: row.lease_id, expiresAt: row.lease_expires_at } };
}

interface QueueScan extends Claimer {
  trx: Db;
  /** How many cases to read from each workflow's range at a time (engine.claimPage). */
  page: number;
  /** Every id of the reviewer's person (samePersonIds). */
  person: string[];
  now: number;
  eligible: ClaimArgs["eligible"];
  order: QueueOrder;
  /** The workflows to read (all when undefined). */
  scope: string[] | undefined;
  unlessPaused: string | undefined;
}

/**
 * The waiting cases the reviewer may take, a page at a time in queue order. Each page is
 * read from each workflow's range of the queue's index and merged;
 * ids compare in the same order in JavaScript as in the databases (ASCII ids; PostgreSQL's C collation).
 */
async function* claimable(q: QueueScan): AsyncGenerator<HeadRow[], void> {
  const workflows = q.scope ?? (await waitingWorkflows().execute(q.trx)).rows.map((r) => r.workflow);
  if (workflows.length === 0) return;
  let after: QueuePosition | undefined;
  for (;;) {
    const read: HeadRow[] = (
      await queueHead(q.trx, { ...q, workflows, after, limit: q.page }).execute()
    ).sort(inQueueOrder(q.order));
    // A workflow whose range filled its limit may hold more beyond it, so the page ends where the
    // first full range ends: everything before that point has been read from every range.
    const counts = new Map<string, number>();
    let bound: HeadRow | undefined;
    for (const row of read) {
      const n = (counts.get(row.workflow) ?? 0) + 1;
      counts.set(row.workflow, n);
      if (n === q.page) {
        bound = row;
        break;
      }
    }
    const page = bound ? read.slice(0, read.indexOf(bound) + 1) : read;
    if (page.length === 0) return;
    const candidates = await passing(q, page);
    if (candidates.length > 0) yield candidates;
    if (!bound) return;
    after = bound;
  }
}

/** Expired leases one claim puts back at most; the next claim takes the rest. */
const REQUEUE_AT_ONCE = 32;

/**
 * How often a process looks for leases that ran out. The look is a round trip of its own on every claim
 * otherwise, for leases that last minutes: a lapsed lease waits at most this much longer.
 */
const REQUEUE_EVERY_MS = 1000;
const lastRequeue = new WeakMap<StoreEngine, number>();

function requeueDue(engine: StoreEngine, now: number): boolean {
  const last = lastRequeue.get(engine);
  // A clock that went back (tests, a corrected host clock) looks at once.
  return last === undefined || now - last >= REQUEUE_EVERY_MS || now < last;
}

/**
 * Leases that ran out go back to the queue, in their old place (`lease_expired` events), so the
 * queue's head is only ever read from the queued indexes. Locked as a claim locks: another claimer
 * putting back the same ones is passed over, not waited for.
 */
async function requeueExpired(trx: Db, lock: StoreEngine["lockForClaim"], now: number): Promise<number> {
  const expired = await lock(expiredLeases(trx, now, REQUEUE_AT_ONCE)).execute();
  if (expired.length === 0) return 0;
  await trx
    .updateTable("cases")
    .set({ status: "queued", lease_id: null, lease_holder: null, claimed_at: null, lease_expires_at: null })
    .where(
      "id",
      "in",
      expired.map((r) => r.id),
    )
    .execute();
  await insertEvents(
    trx,
    expired.map((r) => ({
      type: "lease_expired",
      caseId: r.id,
      actor: "system",
      data: { leaseId: r.lease_id, holder: r.lease_holder, expiredAt: r.lease_expires_at },
      at: now,
    })),
  );
  return expired.length;
}

/**
 * The candidates of one page the reviewer may take, checked by key: authority (in code), four-eyes (the
 * person already approved it: the next approval must come from another person; a revoked decision no
 * longer counts), and overlap independence (the person holds or decided another case of its group).
 */
async function passing(q: QueueScan, page: HeadRow[]): Promise<HeadRow[]> {
  let candidates = page;
  if (q.eligible) {
    // Authority rules judge the case's input: these need the whole rows.
    const ids = page.map((c) => c.id);
    const rows = await q.trx.selectFrom("cases").selectAll().where("id", "in", ids).execute();
    const allowed = new Set(rows.filter((c) => q.eligible?.(rowToCase(c))).map((c) => c.id));
    candidates = page.filter((c) => allowed.has(c.id));
  }
  if (candidates.length === 0) return [];
  // Read by the head statement: nobody's decision and no overlap group, so nothing to look up (the
  // rows of a case named by a notification do not say, and are looked up).
  const alone = (c: HeadRow) =>
    c.overlap_of === null &&
    c.has_decisions !== undefined &&
    !c.has_decisions &&
    c.has_copies !== undefined &&
    !c.has_copies;
  if (candidates.every(alone)) return candidates;
  const groupOf = (c: { id: string; overlap_of: string | null }) => c.overlap_of ?? c.id;
  // Every candidate is among its group's members (a real case by id, a copy by overlap_of).
  const rows = await overlapMembers(q.trx, [...new Set(candidates.map(groupOf))]).execute();
  const members = [...new Map(rows.map((m) => [m.id, m])).values()];
  const decided = rows.filter((d) => d.decided_by !== null && q.person.includes(d.decided_by));
  const approved = new Set(
    decided.filter((d) => d.revoked_at === null && approving.has(d.verdict ?? "")).map((d) => d.id),
  );
  const decidedOrHeld = new Set(decided.map((d) => d.id));
  const touched = members.filter(
    (m) => decidedOrHeld.has(m.id) || (m.lease_holder !== null && q.person.includes(m.lease_holder)),
  );
  return candidates.filter(
    (c) => !approved.has(c.id) && !touched.some((m) => m.id !== c.id && groupOf(m) === groupOf(c)),
  );
}

function inQueueOrder(order: QueueOrder) {
  return (a: HeadRow, b: HeadRow) =>
    (order === "priority" ? b.priority - a.priority : 0) ||
    a.created_at - b.created_at ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
