import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ValidationError } from "@loopgate/core";
import type { ApiKeyRecord, Role, Store } from "./store/index.js";

/**
 * API keys. A token is 32 random bytes, so a plain sha256 is enough to store it safely (slow password
 * hashes are for guessable secrets); the token is shown once and never stored.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(): string {
  return `lg_${randomBytes(32).toString("base64url")}`;
}

export interface CreatedKey {
  record: ApiKeyRecord;
  token: string;
}

export async function createKey(
  store: Store,
  args: {
    name: string;
    role: Role;
    workflows?: string[] | null;
    /** Authority roles for policies' review.authority rules (e.g. ap_manager). */
    authorityRoles?: string[];
    /** The user the key belongs to (its person for four-eyes); the caller checks the key's reach. */
    userId?: string;
    token?: string;
    now: number;
  },
): Promise<CreatedKey> {
  // grants.ts refuses this first; kept here too so no caller can turn an empty list into "every one".
  if (args.workflows?.length === 0) throw new ValidationError("workflows must not be empty", "/workflows");
  const token = args.token ?? newToken();
  const record: ApiKeyRecord = {
    id: `key_${randomUUID()}`,
    name: args.name,
    role: args.role,
    workflows: args.workflows ? [...new Set(args.workflows)] : null,
    tokenHash: hashToken(token),
    signingSecret: `whsec_${randomBytes(24).toString("base64url")}`,
    createdAt: args.now,
    authorityRoles: [...new Set(args.authorityRoles ?? [])],
    ...(args.userId !== undefined && { userId: args.userId }),
  };
  await store.identity.insertKey(record);
  return { record, token };
}

/**
 * Makes sure an admin key exists at start-up. With a bootstrap token, that token becomes an admin key
 * (idempotent across restarts). Without one, the first start creates an admin key and returns its token
 * so the caller can print it once.
 */
export async function ensureAdminKey(
  store: Store,
  bootstrapToken: string | undefined,
  now: number,
): Promise<{ printedToken?: string }> {
  if (bootstrapToken) {
    if (!(await store.identity.findKeyByTokenHash(hashToken(bootstrapToken)))) {
      await createKey(store, { name: "bootstrap", role: "admin", token: bootstrapToken, now });
    }
    return {};
  }
  if (await store.identity.hasKeys()) return {};
  const { token } = await createKey(store, { name: "first-admin", role: "admin", now });
  return { printedToken: token };
}
