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
    .where((eb) => ("id" in by ? eb("id", "=", by.id) : eb("token_hash", "=", by.tokenHash)))
    .executeTakeFirst();
  return row && rowToKey(row);
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
 * these ids, that person did.
 */
export async function samePersonIds(db: Db, id: string): Promise<string[]> {
  const person = (await personsOf(db, [id])).get(id) ?? id;
  if (!person.startsWith("usr_")) return [person];
  const keys = await db.selectFrom("api_keys").select("id").where("user_id", "=", person).execute();
  return [person, ...keys.map((k) => k.id)];
}
