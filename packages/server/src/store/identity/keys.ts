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
