import { createHmac } from "node:crypto";

/**
 * Standard Webhooks (https://www.standardwebhooks.com, issue 13 item 5): `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`. The delivery id is inside the signed text, so a captured delivery cannot
 * be replayed under a new id; receivers verify with any Standard Webhooks library.
 */
export const WEBHOOK_ID = "webhook-id";
export const WEBHOOK_TIMESTAMP = "webhook-timestamp";
export const WEBHOOK_SIGNATURE = "webhook-signature";

/**
 * The HMAC key a `whsec_<base64>` secret stands for: its base64 part decoded, as the Standard Webhooks
 * libraries do. Node's decoder also takes the URL-safe alphabet that keys created before this change
 * used, so those keep signing the same bytes a receiver decodes.
 */
function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

/**
 * The `webhook-signature` value: one `v1,<base64>` per secret, space-separated (the spec's way of
 * signing with the new secret and the old one during a rotation).
 *
 * @example
 * const headers = {
 *   [WEBHOOK_ID]: id,
 *   [WEBHOOK_TIMESTAMP]: String(ts),
 *   [WEBHOOK_SIGNATURE]: standardSignature([secret], id, ts, body),
 * };
 */
export function standardSignature(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map(
      (s) =>
        `v1,${createHmac("sha256", secretKeyBytes(s)).update(`${id}.${timestamp}.${body}`).digest("base64")}`,
    )
    .join(" ");
}
