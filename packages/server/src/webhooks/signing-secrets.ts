import { randomBytes } from "node:crypto";
import { ValidationError } from "@loopgate/core";
import type { Store } from "../store/index.js";

/**
 * Who signs a webhook (issue 13, item 5): a case's webhook with the secret of the key that submitted it,
 * an oversight alert with its workflow's own secret (so one workflow's owner cannot forge another's
 * alerts). Each rotates with overlap: the newest secret signs, and the secrets it replaced sign too, until
 * their overlap ends, so a receiver can switch secrets without rejecting a delivery.
 */

/** Outbox rows of alerts queued before per-workflow secrets name this owner: the old server-wide secret. */
const LEGACY_ALERT_OWNER = "oversight-alerts";

/** The owner of a workflow's alert secret (the outbox row's `key_id`). */
export const alertSecretOwner = (workflow: string): string => `workflow:${workflow}`;

/** How long a replaced secret still verifies when the caller names no overlap: one day. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;
/** The longest overlap: a secret that was replaced because it leaked must not live on for long. */
export const MAX_OVERLAP_SECONDS = 30 * 86_400;

/** A new secret in the Standard Webhooks form (`whsec_` + standard base64 of 32 random bytes). */
function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * The secrets that sign for `owner` at `now`, newest first; undefined when the owner is a key that no
 * longer exists (its webhooks cannot be signed, so they are not sent).
 */
export async function signingSecrets(
  store: Store,
  owner: string,
  now: number,
): Promise<string[] | undefined> {
  if (owner === LEGACY_ALERT_OWNER)
    return [await store.identity.getOrCreateSecret("oversight-alert-signing")];
  const valid = await store.webhookSecrets.valid(owner, now);
  if (valid.length > 0) return valid.map((s) => s.secret);
  if (owner.startsWith("workflow:"))
    return [(await store.webhookSecrets.initial(owner, newSigningSecret(), now)).secret];
  const key = await store.identity.getKey(owner);
  return key && [key.signingSecret];
}

/** The secrets an owner's receivers should accept at `now` (for the admin view), with when each ends. */
export async function currentSecrets(
  store: Store,
  owner: string,
  now: number,
): Promise<{ secret: string; validUntil: string | null }[]> {
  const valid = await store.webhookSecrets.valid(owner, now);
  if (valid.length > 0) {
    return valid.map((s) => ({
      secret: s.secret,
      validUntil: s.expiresAt === null ? null : new Date(s.expiresAt).toISOString(),
    }));
  }
  const secrets = (await signingSecrets(store, owner, now)) ?? [];
  return secrets.map((secret) => ({ secret, validUntil: null }));
}

/**
 * Replaces the owner's signing secret; the old ones stay valid for `overlapSeconds` (default one day).
 * Resolves to the new secret, shown once to whoever rotated it.
 */
export async function rotateSigningSecret(
  store: Store,
  owner: string,
  { now, overlapSeconds = DEFAULT_OVERLAP_SECONDS }: { now: number; overlapSeconds?: number },
): Promise<{ secret: string; previousValidUntil: string }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
    throw new ValidationError(
      `overlapSeconds must be a whole number from 0 to ${MAX_OVERLAP_SECONDS}`,
      "/overlapSeconds",
    );
  }
  const secret = newSigningSecret();
  const overlapUntil = now + overlapSeconds * 1000;
  // A key never rotated signs with its creation secret, which has no row yet: record it as the old one.
  const seed = owner.startsWith("workflow:")
    ? undefined
    : (await store.identity.getKey(owner))?.signingSecret;
  await store.webhookSecrets.rotate(owner, { secret, now, overlapUntil, seed });
  return { secret, previousValidUntil: new Date(overlapUntil).toISOString() };
}
