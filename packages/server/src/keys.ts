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
    /** When the key stops working on its own (epoch ms); unset = never. */
    expiresAt?: number;
    bootstrap?: boolean;
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
    // Standard base64, as Standard Webhooks libraries decode a whsec_ secret (webhooks/standard-signature.ts).
    signingSecret: `whsec_${randomBytes(24).toString("base64")}`,
    createdAt: args.now,
    authorityRoles: [...new Set(args.authorityRoles ?? [])],
    ...(args.userId !== undefined && { userId: args.userId }),
    ...(args.expiresAt !== undefined && { expiresAt: args.expiresAt }),
    ...(args.bootstrap === true && { bootstrap: true }),
  };
  await store.identity.insertKey(record);
  return { record, token };
}

/**
 * How long the old token of a rotated key keeps working by default: long enough to roll the new one
 * out to every process that uses the key, short enough that a leaked old token dies the same day.
 */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 60 * 60;
/** The longest overlap one may ask for (a week): an overlap is a second live secret. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 60 * 60;

/**
 * Until when the token hashing to `tokenHash` opens `key` (epoch ms, Infinity = no end), or undefined
 * when it does not (revoked, expired, or an old token past its overlap window).
 */
export function tokenValidUntil(key: ApiKeyRecord, tokenHash: string, now: number): number | undefined {
  if (key.revokedAt != null) return undefined;
  const keyEnd = key.expiresAt ?? Number.POSITIVE_INFINITY;
  const end =
    key.tokenHash === tokenHash
      ? keyEnd
      : key.previousTokenHash === tokenHash
        ? Math.min(keyEnd, key.previousExpiresAt ?? 0)
        : 0;
  return end > now ? end : undefined;
}

/** Whether a key works at all at `now` (sessions opened with it check this on every request). */
export function keyIsLive(key: ApiKeyRecord, now: number): boolean {
  return key.revokedAt == null && (key.expiresAt == null || key.expiresAt > now);
}

/**
 * A new token for `keyId`; the old one keeps working for `overlapSeconds`. The key keeps its id, role,
 * scope, owner and webhook signing secret: only the bearer token changes. Undefined when the key does
 * not exist or is revoked.
 */
export async function rotateKey(
  store: Store,
  keyId: string,
  overlapSeconds: number,
  now: number,
): Promise<string | undefined> {
  const token = newToken();
  const rotated = await store.identity.rotateKey(keyId, hashToken(token), now + overlapSeconds * 1000);
  return rotated ? token : undefined;
}

/**
 * Makes sure an admin key exists at start-up. With a bootstrap token, that token becomes an admin key
 * (idempotent across restarts). Without one, the first start creates an admin key and returns its token
 * so the caller can print it once.
 *
 * The bootstrap key lives only as long as the variable: once LOOPGATE_BOOTSTRAP_TOKEN is unset or
 * changed, the next start revokes the key the old value made. A bootstrap key revoked by an admin stays
 * revoked even if the variable still holds its token (`revokedBootstrap` tells the caller to say so).
 */
export async function ensureAdminKey(
  store: Store,
  bootstrapToken: string | undefined,
  now: number,
): Promise<{ printedToken?: string; revokedBootstrap?: boolean }> {
  const keep = bootstrapToken ? hashToken(bootstrapToken) : undefined;
  await store.identity.revokeBootstrapKeys(keep, now);
  if (bootstrapToken) {
    const existing = await store.identity.findKeyByTokenHash(hashToken(bootstrapToken));
    if (!existing) {
      await createKey(store, {
        name: "bootstrap",
        role: "admin",
        token: bootstrapToken,
        bootstrap: true,
        now,
      });
    }
    return existing && !keyIsLive(existing, now) ? { revokedBootstrap: true } : {};
  }
  if (await store.identity.hasKeys()) return {};
  const { token } = await createKey(store, { name: "first-admin", role: "admin", now });
  return { printedToken: token };
}
