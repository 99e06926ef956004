import { randomBytes } from "node:crypto";
import type { Selectable } from "kysely";
import type { Db } from "../rows.js";
import type { SessionsTable } from "../schema.js";
import type { SessionRecord } from "./types.js";

/** Browser sessions (server-side rows keyed by the cookie's sha256), and the secrets all processes share. */

function rowToSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    keyId: r.key_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export async function insertSession(db: Db, s: SessionRecord): Promise<void> {
  if ((s.userId === null) === (s.keyId === null)) {
    throw new Error("a session belongs to exactly one user or one key");
  }
  await db
    .insertInto("sessions")
    .values({
      id: s.id,
      user_id: s.userId,
      key_id: s.keyId,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    })
    .execute();
}

export async function findSession(db: Db, idHash: string, now: number): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom("sessions")
    .selectAll()
    .where("id", "=", idHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row && rowToSession(row);
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", idHash).execute();
}

export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function getOrCreateSecret(db: Db, name: string): Promise<string> {
  // Insert-if-absent then read: when two processes start together, one insert wins and both read it.
  await db
    .insertInto("settings")
    .values({ name, value: randomBytes(32).toString("base64url"), created_at: Date.now() })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await db
    .selectFrom("settings")
    .select("value")
    .where("name", "=", name)
    .executeTakeFirstOrThrow();
  return row.value;
}
