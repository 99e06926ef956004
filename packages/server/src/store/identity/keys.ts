import type { Insertable, Selectable } from "kysely";
import { type Db, fromJson, fromJsonOrNull, toJsonOrNull } from "../rows.js";
import type { ApiKeysTable } from "../schema.js";
import type { ApiKeyRecord, Role } from "./types.js";

/** API keys: bearer tokens stored as sha256, each with a role, a workflow scope and a signing secret. */

function keyToRow(k: ApiKeyRecord): Insertable<ApiKeysTable> {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    workflows: toJsonOrNull(k.workflows),
    token_hash: k.tokenHash,
    signing_secret: k.signingSecret,
    created_at: k.createdAt,
    authority_roles: toJsonOrNull(k.authorityRoles),
    user_id: k.userId ?? null,
    revoked_at: k.revokedAt ?? null,
    expires_at: k.expiresAt ?? null,
    previous_token_hash: k.previousTokenHash ?? null,
    previous_expires_at: k.previousExpiresAt ?? null,
    bootstrap: k.bootstrap ? 1 : 0,
  };
}

function rowToKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    workflows: fromJsonOrNull<string[]>(r.workflows),
    tokenHash: r.token_hash,
    signingSecret: r.signing_secret,
    createdAt: r.created_at,
    ...(r.authority_roles !== null && { authorityRoles: fromJson<string[]>(r.authority_roles) }),
    ...(r.user_id !== null && { userId: r.user_id }),
    // Only what is set, like userId: a record read back equals the one written.
    ...(r.revoked_at !== null && { revokedAt: Number(r.revoked_at) }),
    ...(r.expires_at !== null && { expiresAt: Number(r.expires_at) }),
    ...(r.previous_token_hash !== null && { previousTokenHash: r.previous_token_hash }),
    ...(r.previous_expires_at !== null && { previousExpiresAt: Number(r.previous_expires_at) }),
    ...(Number(r.bootstrap) === 1 && { bootstrap: true }),
  };
}

export async function insertKey(db: Db, key: ApiKeyRecord): Promise<void> {
  await db.insertInto("api_keys").values(keyToRow(key)).execute();
}

export async function findKey(
  db: Db,
  by: { id: string } | { tokenHash: string },
): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .selectAll()
    .where((eb) =>
      "id" in by
        ? eb("id", "=", by.id)
        : // A rotated key answers to its previous token too; the caller checks that token's window.
          eb.or([eb("token_hash", "=", by.tokenHash), eb("previous_token_hash", "=", by.tokenHash)]),
    )
    .executeTakeFirst();
  return row && rowToKey(row);
}

/** Every key, oldest first (a deployment has tens of keys, not thousands: no paging). */
export async function listKeys(db: Db): Promise<ApiKeyRecord[]> {
  const rows = await db.selectFrom("api_keys").selectAll().orderBy("created_at").orderBy("id").execute();
  return rows.map(rowToKey);
}

/** Revokes a live key; false when there is no such key or it was already revoked. */
export async function revokeKey(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: now, previous_token_hash: null, previous_expires_at: null })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Gives a live key a new token; the current one stays valid until `previousValidUntil`. A token from
 * an earlier rotation still inside its window is dropped: only one old token lives at a time.
 */
export async function rotateKey(
  db: Db,
  id: string,
  tokenHash: string,
  previousValidUntil: number,
): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set((eb) => ({
      previous_token_hash: eb.ref("token_hash"),
      previous_expires_at: previousValidUntil,
      token_hash: tokenHash,
    }))
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Revokes the live bootstrap keys whose token is not `keep` (a sha256; undefined = all of them). */
export async function revokeBootstrapKeys(db: Db, keep: string | undefined, now: number): Promise<number> {
  let query = db
    .updateTable("api_keys")
    .set({ revoked_at: now, previous_token_hash: null, previous_expires_at: null })
    .where("bootstrap", "=", 1)
    .where("revoked_at", "is", null);
  if (keep !== undefined) query = query.where("token_hash", "!=", keep);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function hasKeys(db: Db): Promise<boolean> {
  const row = await db.selectFrom("api_keys").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * The person behind each principal id: a key that belongs to a user is that user; every other id (a
 * user, a key of no one, "policy", "sla") is its own person. One query for the keys among `ids`.
 */
export async function personsOf(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const persons = new Map(ids.map((id) => [id, id]));
  const keyIds = [...new Set(ids.filter((id) => id.startsWith("key_")))];
  if (keyIds.length === 0) return persons;
  const owned = await db
    .selectFrom("api_keys")
    .select(["id", "user_id"])
    .where("id", "in", keyIds)
    .where("user_id", "is not", null)
    .execute();
  for (const k of owned) if (k.user_id !== null) persons.set(k.id, k.user_id);
  return persons;
}

/**
 * Every principal id that acts for the same person as `id`: the person's user id and all the keys that
 * belong to them (for a key of no one, just that key). What decisions and leases recorded under any of
 * these ids, that person did. `knownPerson`: `id`'s person as already known (personsOf's answer).
 */
export async function samePersonIds(db: Db, id: string, knownPerson?: string): Promise<string[]> {
  const person = knownPerson ?? (await personsOf(db, [id])).get(id) ?? id;
  if (!person.startsWith("usr_")) return [person];
  const keys = await db.selectFrom("api_keys").select("id").where("user_id", "=", person).execute();
  return [person, ...keys.map((k) => k.id)];
}
