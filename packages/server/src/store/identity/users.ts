import { Conflict } from "@loopgate/core";
import { type Insertable, type Selectable, sql } from "kysely";
import type { Db } from "../rows.js";
import type { UsersTable } from "../schema.js";
import type { UserRecord, UserRole } from "./types.js";

/** People who sign in to the workspace with a password. */

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

export async function insertUser(db: Db, user: UserRecord): Promise<void> {
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

export async function findUserByUsername(db: Db, username: string): Promise<UserRecord | undefined> {
  const row = await db
    .selectFrom("users")
    .selectAll()
    // Written exactly as the index expression, so both engines use the index.
    .where(sql<string>`lower(username)`, "=", username.toLowerCase())
    .executeTakeFirst();
  return row && rowToUser(row);
}

export async function getUser(db: Db, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && rowToUser(row);
}

/** Disables an active user and ends their sessions; false when there is no such active user. */
export async function disableUser(db: Db, id: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("users")
      .set({ disabled_at: now })
      .where("id", "=", id)
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    await trx.deleteFrom("sessions").where("user_id", "=", id).execute();
    return result.numUpdatedRows > 0n;
  });
}

/**
 * Stores a new password hash and ends the user's sessions (whoever else held one, perhaps the reason
 * for the change, is signed out); false when there is no such user.
 */
export async function setPasswordHash(db: Db, id: string, passwordHash: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("id", "=", id)
      .executeTakeFirst();
    await trx.deleteFrom("sessions").where("user_id", "=", id).execute();
    return result.numUpdatedRows > 0n;
  });
}
