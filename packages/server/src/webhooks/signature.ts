import { createHmac, timingSafeEqual } from "node:crypto";

/** The legacy header carrying a webhook's signature (before Standard Webhooks; see standard-signature.ts). */
export const SIGNATURE_HEADER = "Loopgate-Signature";

/**
 * Signs a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is inside
 * the signed text, so a receiver can refuse replays of old deliveries.
 *
 * @example
 * const header = signPayload(secret, Math.floor(Date.now() / 1000), body);
 * await fetch(url, { method: "POST", body, headers: { [SIGNATURE_HEADER]: header } });
 */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * The legacy header signed with every secret still valid (one `v1=` each), for receivers that have not
 * moved to Standard Webhooks yet (`LOOPGATE_LEGACY_WEBHOOK_SIGNATURE=1`, kept for one release).
 */
export function legacySignature(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmacHex(s, timestamp, body)}`)].join(",");
}

/**
 * Checks a `Loopgate-Signature` header against the raw body. False for a missing or malformed header,
 * a wrong signature, or a timestamp more than `toleranceSeconds` away from `now` (epoch ms, default the
 * current time). Several `v1=` entries are allowed (one per secret during a rotation); one must match.
 *
 * @example
 * if (!verifySignature(secret, req.headers["loopgate-signature"], rawBody)) return res.writeHead(401).end();
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  { toleranceSeconds = 300, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  // Constant time, so response timing never reveals how much of a forged signature was right.
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected));
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}
