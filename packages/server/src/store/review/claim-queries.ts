import { type ExpressionBuilder, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import type { Db } from "../rows.js";
import type { CasesTable, Database } from "../schema.js";

/**
 * The statements a claim runs, each a read of an index at the head of the queue or a look-up by key
 * (migration 013 explains the indexes). They are built here, apart from the claim's logic in
 * claim.ts, so the plan test can EXPLAIN exactly these at a million waiting cases.
 */

export type CaseRow = Selectable<CasesTable>;

/**
 * What a claim reads of each candidate at the head of the queue: its place in the order and its overlap
 * group. The whole row (JSON input, explanation...) costs more to read than everything else the claim
 * does, so it is read once, for the one case taken (and for authority rules, which judge the input).
 */
export const HEAD_COLUMNS = ["id", "workflow", "status", "priority", "created_at", "overlap_of"] as const;
export type HeadRow = Pick<CaseRow, (typeof HEAD_COLUMNS)[number]> & Partial<HeadFlags>;

/**
 * What the head statement also says of each case it reads, by key (`decisions_case_id`,
 * `cases_overlap_of`): whether it has decisions, and whether overlap copies of it exist. A case with
 * neither, and no overlap group of its own, has nothing four-eyes or overlap independence could hold
 * against any reviewer, so a page of such cases needs no look at its groups (claim.ts `passing`).
 * SQLite answers 0 or 1.
 */
export interface HeadFlags {
  has_decisions: boolean | number;
  has_copies: boolean | number;
}

/** The queue's two orders: oldest first, or (active learning) most uncertain first, then oldest. */
export type QueueOrder = "oldest" | "priority";

/** A case's place in a queue's order; reading on from it is a keyset page, never an OFFSET. */
export interface QueuePosition {
  priority: number;
  created_at: number;
  id: string;
}

/** Who claims: the reviewer's id and the roles whose escalated cases they may take (`any`: an admin). */
export interface Claimer {
  reviewer: string;
  escalationRoles: readonly string[] | "any";
}

export interface HeadArgs extends Claimer {
  /** The workflows to read, each its own range of the index. */
  workflows: string[];
  /** A person: a workflow they are paused in (reviewer_pauses) gives them nothing. */
  unlessPaused?: string;
  order: QueueOrder;
  after?: QueuePosition;
  /** How many cases to read from each workflow's range (and from the expired leases). */
  limit: number;
  now: number;
}

/**
 * The head of the queue in `workflows`, in one statement: per workflow, the first `limit` queued cases
 * after `after` in its range of `cases_queued_oldest` (or `cases_queued_priority`); the claim merges
 * them. Both indexes begin with the workflow and none holds the whole queue in order, so a workflow's
 * range is the only way to read it in order: no planner can prefer a scan of everyone's queue.
 */
export function queueHead(db: Db, args: HeadArgs) {
  const ranges = args.workflows.map((workflow) =>
    inOrder(
      db
        .selectFrom("cases")
        .select(HEAD_COLUMNS)
        .where("workflow", "=", workflow)
        // A literal, so that SQLite sees the query implies the partial index's WHERE.
        .where("status", "=", sql.lit("queued"))
        .where(claimableBy(args))
        .$if(args.unlessPaused !== undefined, (q) => q.where(notPaused(args.unlessPaused ?? "", workflow))),
      args,
    ),
  );
  // Each range keeps its ORDER BY and LIMIT inside its own subquery; the union only appends them. Outside
  // it, each row read says whether anything could keep a reviewer from it (HeadFlags).
  const [first, ...rest] = ranges.map((q, i) => {
    const id = sql.ref(`head${i}.id`);
    return db
      .selectFrom(q.as(`head${i}`))
      .selectAll()
      .select([
        sql<boolean | number>`exists (select 1 from decisions d where d.case_id = ${id})`.as("has_decisions"),
        sql<boolean | number>`exists (select 1 from cases copy where copy.overlap_of = ${id})`.as(
          "has_copies",
        ),
      ]);
  });
  return rest.reduce((union, q) => union.unionAll(q), first as NonNullable<typeof first>);
}

/**
 * Not while `person` is paused in `workflow` (a range's workflow, or the case's own): one probe of
 * `reviewer_pauses_in_force`, in the statement that reads the cases, so a claim asks nothing before.
 */
function notPaused(person: string, workflow: string | "case's own") {
  return (eb: ExpressionBuilder<Database, "cases">) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom("reviewer_pauses")
          .select("reviewer_pauses.id")
          .where("reviewer_pauses.reviewer", "=", person)
          .where((p) =>
            workflow === "case's own"
              ? p("reviewer_pauses.workflow", "=", p.ref("cases.workflow"))
              : p("reviewer_pauses.workflow", "=", workflow),
          )
          .where("reviewer_pauses.resumed_at", "is", null),
      ),
    );
}

/** One waiting case by id, if `reviewer` may claim it (the claim of a case named by a notification). */
export function oneCase(db: Db, args: Claimer & { id: string; workflows?: string[]; unlessPaused?: string }) {
  return db
    .selectFrom("cases")
    .select(HEAD_COLUMNS)
    .where("id", "=", args.id)
    .where("status", "=", sql.lit("queued"))
    .$if(args.workflows !== undefined, (q) => q.where("workflow", "in", args.workflows ?? []))
    .where(claimableBy(args))
    .$if(args.unlessPaused !== undefined, (q) => q.where(notPaused(args.unlessPaused ?? "", "case's own")));
}

/**
 * The workflows that have waiting cases, for a claim over all of them: a skip scan of
 * `cases_queued_oldest`, one probe per workflow, never a read of the queue.
 */
export function waitingWorkflows() {
  return sql<{ workflow: string }>`
    with recursive w(workflow) as (
      select * from (select workflow from cases where status = 'queued' order by workflow limit 1) as lowest
      union all
      select (
        select c.workflow from cases c
        where c.status = 'queued' and c.workflow > w.workflow
        order by c.workflow limit 1
      )
      from w where w.workflow is not null
    )
    select workflow from w where workflow is not null`;
}

/**
 * Held cases whose lease has run out, found through `cases_claimed` (only the cases held now), at
 * most `limit`: the claim puts them back in the queue.
 */
export function expiredLeases(db: Db, now: number, limit: number) {
  return db
    .selectFrom("cases")
    .select(["id", "lease_id", "lease_holder", "lease_expires_at"])
    .where("status", "=", sql.lit("claimed"))
    .where("lease_expires_at", "<=", now)
    .limit(limit);
}

type CasesQuery = SelectQueryBuilder<Database, "cases", HeadRow>;

function inOrder(q: CasesQuery, { order, after, limit }: Pick<HeadArgs, "order" | "after" | "limit">) {
  if (after) q = q.where(laterThan(after, order));
  if (order === "priority") q = q.orderBy("priority", "desc");
  return q.orderBy("created_at").orderBy("id").limit(limit);
}

/**
 * A case assigned to someone else waits for them alone; a case escalated to a role (SLA timeout,
 * workers/timers.ts) waits for a holder of that role or an admin. Both are enforced here, whatever
 * the policy says today, since the case was routed under the policy of its day.
 */
function claimableBy({ reviewer, escalationRoles }: Claimer) {
  return (eb: ExpressionBuilder<Database, "cases">) => {
    const assigned = eb.or([eb("assigned_to", "is", null), eb("assigned_to", "=", reviewer)]);
    if (escalationRoles === "any") return assigned;
    const escalated =
      escalationRoles.length === 0
        ? eb("escalated_to", "is", null)
        : eb.or([eb("escalated_to", "is", null), eb("escalated_to", "in", escalationRoles)]);
    return eb.and([assigned, escalated]);
  };
}

/**
 * After a position in the queue's order. Oldest-first is one row-value comparison, which both engines
 * turn into an index range start; priority order mixes directions, so it is spelled out.
 */
function laterThan(after: QueuePosition, order: QueueOrder) {
  return (eb: ExpressionBuilder<Database, "cases">) => {
    const sameTime = eb(eb.refTuple("created_at", "id"), ">", eb.tuple(after.created_at, after.id));
    if (order === "oldest") return sameTime;
    return eb.or([
      eb("priority", "<", after.priority),
      eb.and([eb("priority", "=", after.priority), sameTime]),
    ]);
  };
}

/**
 * The first of `ids` (candidates that passed every check, in queue order) that is still queued; the
 * claim locks it (engine.lockForClaim: on PostgreSQL SKIP LOCKED passes over the ones other claimers are
 * taking, so concurrent claimers spread over the head instead of queueing behind one row). Ordered by
 * the position in `ids`, which no index provides, so the plan is always: look up by key, sort ≤ 32.
 * The whole row, since it is the case taken (a page is short where reading rows costs: SQLite).
 */
export function stillWaiting(db: Db, args: Claimer & { ids: string[] }) {
  // Spelled as one fragment: Kysely's CASE builder copies every WHEN so far at each WHEN it adds, a
  // visible share of a claim's CPU at 32 candidates.
  const whens = args.ids.map((id, i) => sql`when ${sql.ref("id")} = ${id} then ${sql.lit(i)}`);
  return (
    db
      .selectFrom("cases")
      .selectAll()
      .where("id", "in", args.ids)
      // Still queued, said so that no partial index of the queue matches: with stale statistics a planner
      // would otherwise AND a read of the whole queue index with the ids' look-ups.
      .where("status", "not in", [sql.lit("claimed"), sql.lit("decided")])
      .where(claimableBy(args))
      .orderBy(whens.length > 0 ? sql`case ${sql.join(whens, sql` `)} end` : sql.lit(0))
      .limit(1)
  );
}

/**
 * The members of overlap groups (a real case and its copies: `overlap_of` names the real case), found
 * by key (the real cases by id, the copies through `cases_overlap_of`), each with its decision rows
 * (four-eyes and overlap independence look for the reviewer's among them): one row per member and
 * decision, the decision columns null for a member without any. Decisions are joined by case only: a
 * reviewer's own can number millions, and a filter on them would let a planner with stale statistics
 * read them all through `decisions_decided_by`.
 */
export function overlapMembers(db: Db, groups: string[]) {
  return db
    .selectFrom("cases as m")
    .leftJoin("decisions as d", "d.case_id", "m.id")
    .select(["m.id", "m.overlap_of", "m.lease_holder", "d.decided_by", "d.verdict", "d.revoked_at"])
    .where((eb) => eb.or([eb("m.id", "in", groups), eb("m.overlap_of", "in", groups)]));
}
