import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { StoreEngine } from "../engine.js";
import { leaseDue } from "../leases.js";
import type { Db } from "../rows.js";
import type { NotifyChannel, NotifyIdentity, NotifyMessage, NotifyToken, RecentSends } from "./types.js";

export type { NotifyChannel, NotifyIdentity, NotifyMessage, NotifyToken, RecentSends } from "./types.js";
export { NOTIFY_CHANNELS } from "./types.js";

/**
 * A case created this long before the newest one announced is still looked at: a submit commits after
 * it stamps created_at, so a slower transaction can commit a case older than one already seen. The
 * unique index (one announcement per case and channel) makes looking twice harmless.
 */
const LATE_COMMIT_MS = 60_000;

/** Email addresses compare without case; Slack user ids are case-sensitive tokens. */
const normal = (channel: NotifyChannel, id: string) => (channel === "email" ? id.toLowerCase() : id);

/**
 * Notifications to reviewers (migration 021): who a Slack user or an email address is, the email
 * links' single-use tokens, and the notification outbox the notify worker sends from.
 */
export interface NotifyStore {
  /** Maps a Slack user id or an email address (any case) to a user, replacing an earlier mapping of it. */
  mapIdentity(i: Omit<NotifyIdentity, "createdAt"> & { now: number }): Promise<NotifyIdentity>;
  /** False when there was no such mapping. */
  unmapIdentity(channel: NotifyChannel, externalId: string): Promise<boolean>;
  listIdentities(): Promise<NotifyIdentity[]>;
  /** The user id a Slack user id or an email address is mapped to. */
  userFor(channel: NotifyChannel, externalId: string): Promise<string | undefined>;

  createToken(t: {
    hash: string;
    caseId: string;
    userId: string;
    address: string;
    now: number;
    expiresAt: number;
  }): Promise<void>;
  findToken(hash: string): Promise<NotifyToken | undefined>;
  /** Marks the token used; false when it was already used or has expired (only one caller wins). */
  useToken(hash: string, now: number): Promise<boolean>;

  /**
   * Writes a `case` message for each channel and each queued case of `workflow` not announced yet and
   * created since the newest one announced (less LATE_COMMIT_MS), at most `limit` cases, oldest first;
   * shadow cases (catch trials, overlap copies) are never announced. Returns how many messages it wrote.
   */
  announceWaiting(a: {
    workflow: string;
    channels: NotifyChannel[];
    now: number;
    limit: number;
  }): Promise<number>;
  /** A Slack reply (a response_url update), due now. */
  addReply(r: {
    id: string;
    workflow: string;
    caseId: string;
    target: string;
    body: string;
    now: number;
  }): Promise<void>;
  claimDue(due: { now: number; limit: number; leaseMs: number }): Promise<NotifyMessage[]>;
  /** Done: `outcome` sent, digest (with the summary's id) or skipped. */
  finish(
    ids: readonly string[],
    f: { outcome: "sent" | "digest" | "skipped"; now: number; digestId?: string },
  ): Promise<void>;
  /** A failed send: tried again at `nextAttemptAt`, or given up (outcome failed) when null. */
  failed(id: string, f: { error: string; nextAttemptAt: number | null; now: number }): Promise<void>;
  /** Gives claimed messages back unsent, due again at `until` (a digest waits for its window). */
  defer(ids: readonly string[], until: number): Promise<void>;
  recentSends(workflow: string, channel: NotifyChannel, since: number): Promise<RecentSends>;
}

export function notifyStore(engine: StoreEngine): NotifyStore {
  const { db } = engine;
  return {
    async mapIdentity(i) {
      const row = {
        channel: i.channel,
        external_id: normal(i.channel, i.externalId),
        user_id: i.userId,
        created_by: i.createdBy,
        created_at: i.now,
      };
      await db
        .insertInto("notify_identities")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["channel", "external_id"]).doUpdateSet({
            user_id: row.user_id,
            created_by: row.created_by,
            created_at: row.created_at,
          }),
        )
        .execute();
      return {
        channel: i.channel,
        externalId: row.external_id,
        userId: i.userId,
        createdBy: i.createdBy,
        createdAt: i.now,
      };
    },
    async unmapIdentity(channel, externalId) {
      const r = await db
        .deleteFrom("notify_identities")
        .where("channel", "=", channel)
        .where("external_id", "=", normal(channel, externalId))
        .executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
    async listIdentities() {
      const rows = await db
        .selectFrom("notify_identities")
        .selectAll()
        .orderBy("channel")
        .orderBy("external_id")
        .execute();
      return rows.map((r) => ({
        channel: r.channel as NotifyChannel,
        externalId: r.external_id,
        userId: r.user_id,
        createdBy: r.created_by,
        createdAt: Number(r.created_at),
      }));
    },
    async userFor(channel, externalId) {
      const row = await db
        .selectFrom("notify_identities")
        .select("user_id")
        .where("channel", "=", channel)
        .where("external_id", "=", normal(channel, externalId))
        .executeTakeFirst();
      return row?.user_id;
    },
    async createToken(t) {
      await db
        .insertInto("notify_tokens")
        .values({
          token_hash: t.hash,
          case_id: t.caseId,
          user_id: t.userId,
          address: t.address,
          created_at: t.now,
          expires_at: t.expiresAt,
          used_at: null,
        })
        .execute();
    },
    async findToken(hash) {
      const r = await db
        .selectFrom("notify_tokens")
        .selectAll()
        .where("token_hash", "=", hash)
        .executeTakeFirst();
      return (
        r && {
          caseId: r.case_id,
          userId: r.user_id,
          address: r.address,
          expiresAt: Number(r.expires_at),
          usedAt: r.used_at === null ? null : Number(r.used_at),
        }
      );
    },
    async useToken(hash, now) {
      // One statement: of two POSTs racing with the same token, the database lets one update the row.
      const r = await db
        .updateTable("notify_tokens")
        .set({ used_at: now })
        .where("token_hash", "=", hash)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
    announceWaiting: (a) => announceWaiting(db, a),
    async addReply(r) {
      await db
        .insertInto("notify_messages")
        .values({
          id: r.id,
          workflow: r.workflow,
          channel: "slack",
          kind: "reply",
          case_id: r.caseId,
          case_created_at: null,
          target: r.target,
          body: r.body,
          created_at: r.now,
          next_attempt_at: r.now,
          lease_until: null,
          last_error: null,
          sent_at: null,
          outcome: null,
          digest_id: null,
        })
        .execute();
    },
    async claimDue(due) {
      const rows = await leaseDue(db, engine.lockForClaim, "notify_messages", due);
      return rows.map((r) => ({
        id: r.id,
        workflow: r.workflow,
        channel: r.channel as NotifyChannel,
        kind: r.kind as NotifyMessage["kind"],
        caseId: r.case_id,
        target: r.target,
        body: r.body,
        attempts: r.attempts,
      }));
    },
    async finish(ids, f) {
      if (ids.length === 0) return;
      await db
        .updateTable("notify_messages")
        .set({
          sent_at: f.now,
          outcome: f.outcome,
          digest_id: f.digestId ?? null,
          lease_until: null,
          next_attempt_at: null,
        })
        .where("id", "in", [...ids])
        .execute();
    },
    async failed(id, f) {
      await db
        .updateTable("notify_messages")
        .set((eb) => ({
          attempts: eb("attempts", "+", 1),
          last_error: f.error,
          lease_until: null,
          next_attempt_at: f.nextAttemptAt,
          ...(f.nextAttemptAt === null && { sent_at: f.now, outcome: "failed" }),
        }))
        .where("id", "=", id)
        .execute();
    },
    async defer(ids, until) {
      if (ids.length === 0) return;
      await db
        .updateTable("notify_messages")
        .set({ lease_until: null, next_attempt_at: until })
        .where("id", "in", [...ids])
        .execute();
    },
    async recentSends(workflow, channel, since) {
      const row = await db
        .selectFrom("notify_messages")
        .select((eb) => [
          eb.fn.count<number | string>("id").filterWhere("outcome", "=", "sent").as("alone"),
          eb.fn.count<number | string>("digest_id").distinct().as("digests"),
          eb.fn.max("sent_at").filterWhere("outcome", "=", "digest").as("last_digest"),
        ])
        .where("workflow", "=", workflow)
        .where("channel", "=", channel)
        .where("kind", "=", "case")
        .where("sent_at", ">=", since)
        .executeTakeFirstOrThrow();
      return {
        messages: Number(row.alone) + Number(row.digests),
        lastDigestAt: row.last_digest === null ? null : Number(row.last_digest),
      };
    },
  };
}

async function announceWaiting(
  db: Db,
  a: { workflow: string; channels: NotifyChannel[]; now: number; limit: number },
): Promise<number> {
  if (a.channels.length === 0) return 0;
  const newest = await db
    .selectFrom("notify_messages")
    .select((eb) => eb.fn.max("case_created_at").as("at"))
    .where("workflow", "=", a.workflow)
    .where("kind", "=", "case")
    .executeTakeFirst();
  const since = newest?.at == null ? 0 : Number(newest.at) - LATE_COMMIT_MS;
  const cases = await db
    .selectFrom("cases")
    .select(["id", "created_at"])
    .where("workflow", "=", a.workflow)
    // A literal, so the planner sees the queue's partial index applies (as the claim does).
    .where("status", "=", sql.lit("queued"))
    .where("created_at", ">=", since)
    .where("gold_id", "is", null)
    .where("overlap_of", "is", null)
    // Only cases not announced yet, so a burst of more than `limit` within LATE_COMMIT_MS still moves on.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("notify_messages as m")
            .select("m.id")
            .whereRef("m.case_id", "=", "cases.id")
            .where("m.kind", "=", sql.lit("case")),
        ),
      ),
    )
    .orderBy("created_at")
    .orderBy("id")
    .limit(a.limit)
    .execute();
  if (cases.length === 0) return 0;
  const rows = cases.flatMap((c) =>
    a.channels.map((channel) => ({
      id: `ntf_${randomUUID()}`,
      workflow: a.workflow,
      channel,
      kind: "case",
      case_id: c.id,
      case_created_at: Number(c.created_at),
      target: null,
      body: null,
      created_at: a.now,
      next_attempt_at: a.now,
      lease_until: null,
      last_error: null,
      sent_at: null,
      outcome: null,
      digest_id: null,
    })),
  );
  // Another process may be announcing the same cases: the unique index keeps one row per case and channel.
  const r = await db
    .insertInto("notify_messages")
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .execute();
  return r.reduce((n, x) => n + Number(x.numInsertedOrUpdatedRows ?? 0n), 0);
}
