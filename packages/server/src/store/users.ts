import { randomBytes } from "node:crypto";
import { Conflict } from "@loopgate/core";
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import type { Database, SessionsTable, UsersTable } from "./schema.js";
import type { SessionRecord, UserRecord, UserRole } from "./types.js";

/** Users, sessions and settings: the queries behind SqlStore's "users and sessions" methods. */

function userToRow(u: UserRecord): Insertable<UsersTable> {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    role: u.role,
    workflows: u.workflows === null ? null : JSON.stringify(u.workflows),
    password_hash: u.passwordHash,
    created_at: u.createdAt,
    disabled_at: u.disabledAt,
    authority_roles: u.authorityRoles === undefined ? null : JSON.stringify(u.authorityRoles),
  };
}

function rowToUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    username: r.username,
    name: r.name,
    role: r.role as UserRole,
    workflows: r.workflows === null ? null : (JSON.parse(r.workflows) as string[]),
    passwordHash: r.password_hash,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
    ...(r.authority_roles !== null && { authorityRoles: JSON.parse(r.authority_roles) as string[] }),
  };
}

function rowToSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    keyId: r.key_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export async function insertUser(db: Kysely<Database>, user: UserRecord): Promise<void> {
  // The unique index on lower(username) decides races between concurrent creates; DO NOTHING (no
  // target: the index is on an expression) turns the loser into "0 rows" instead of an engine error.
  const result = await db
    .insertInto("users")
    .values(userToRow(user))
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (result.numInsertedOrUpdatedRows === 0n) {
    throw new Conflict(`username "${user.username}" is taken`);
  }
}

export async function findUserByUsername(
  db: Kysely<Database>,
  username: string,
): Promise<UserRecord | undefined> {
  const row = await db
    .selectFrom("users")
    .selectAll()
    // Written exactly as the index expression, so both engines use the index.
    .where(sql<string>`lower(username)`, "=", username.toLowerCase())
    .executeTakeFirst();
  return row && rowToUser(row);
}

export async function getUser(db: Kysely<Database>, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && rowToUser(row);
}

export async function insertSession(db: Kysely<Database>, s: SessionRecord): Promise<void> {
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

export async function findSession(
  db: Kysely<Database>,
  idHash: string,
  now: number,
): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom("sessions")
    .selectAll()
    .where("id", "=", idHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row && rowToSession(row);
}

export async function deleteSession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", idHash).execute();
}

export async function deleteExpiredSessions(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function getOrCreateSecret(db: Kysely<Database>, name: string): Promise<string> {
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
