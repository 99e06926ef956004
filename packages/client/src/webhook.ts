/** Request headers as Node (`req.headers`) or the Fetch API (`request.headers`) hand them over. */
export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

/**
 * Verifies a Loopgate webhook on the receiving side. Webhooks follow Standard Webhooks
 * (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`, keyed with the base64
 * part of the `whsec_…` secret: the submitting key's secret for case webhooks, the workflow's alert
 * secret for oversight alerts. During a rotation the header carries one signature per valid secret,
 * space-separated; one must match. Any Standard Webhooks library verifies the same headers.
 *
 * Servers running with `LOOPGATE_LEGACY_WEBHOOK_SIGNATURE=1` also send the old
 * `Loopgate-Signature: t=<ts>,v1=<hex>` header; pass it as `header` to check that one instead (kept for
 * one release). Uses Web Crypto, so it runs in Node >= 20, browsers, workers and edge runtimes alike.
 *
 * A verified body is a `DecidedWebhook`. When its `humanOwned` is true the case was human_only: a
 * person did the action (verdict `done`, their record in `output`) or declined it (`reject`); never run
 * your proposal for it. Keep the `webhook-id`s you have acted on: a retry carries the same id.
 *
 * @example
 * ```ts
 * const ok = await verifyWebhook({ secret, headers: req.headers, body: rawBody });
 * if (!ok) return res.writeHead(401).end();
 * const event = JSON.parse(rawBody) as DecidedWebhook<Payment>;
 * if (event.humanOwned) await ledger.record(event.output, event.note); // a person did it
 * else if (event.verdict === "approve" || event.verdict === "edit") await bank.pay(event.output);
 * ```
 */
export async function verifyWebhook(args: {
  /** The signing secret, or several while your receiver moves from one to the next. */
  secret: string | readonly string[];
  /** The request's headers: `webhook-id`, `webhook-timestamp` and `webhook-signature` are read. */
  headers?: WebhookHeaders;
  /** The legacy `Loopgate-Signature` header value, when checking that instead. */
  header?: string | null;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string;
  /** How far the timestamp may be from now, in seconds (default 300): stops replays of old deliveries. */
  toleranceSeconds?: number;
  nowMs?: number;
}): Promise<boolean> {
  const secrets = typeof args.secret === "string" ? [args.secret] : [...args.secret];
  const tolerance = args.toleranceSeconds ?? 300;
  const now = (args.nowMs ?? Date.now()) / 1000;
  const fresh = (t: number) => Number.isFinite(t) && Math.abs(now - t) <= tolerance;
  const id = headerOf(args.headers, "webhook-id");
  const timestamp = headerOf(args.headers, "webhook-timestamp");
  const signature = headerOf(args.headers, "webhook-signature");
  if (id && timestamp && signature) {
    if (!/^\d+$/.test(timestamp) || !fresh(Number(timestamp))) return false;
    const offered = signature
      .split(" ")
      .filter((s) => s.startsWith("v1,"))
      .map((s) => s.slice(3));
    for (const secret of secrets) {
      const key = secretKey(secret);
      if (key === undefined) continue;
      const expected = toBase64(await hmac(key, `${id}.${timestamp}.${args.body}`));
      if (offered.some((s) => constantTimeEqual(s, expected))) return true;
    }
    return false;
  }
  const legacy = args.header ?? headerOf(args.headers, "loopgate-signature");
  return legacy ? verifyLegacy(secrets, legacy, args.body, fresh) : false;
}

async function verifyLegacy(
  secrets: string[],
  header: string,
  body: string,
  fresh: (t: number) => boolean,
): Promise<boolean> {
  let t = Number.NaN;
  const offered: string[] = [];
  for (const part of header.split(",")) {
    const i = part.indexOf("=");
    const [k, v] = [part.slice(0, i).trim(), part.slice(i + 1).trim()];
    if (k === "t") t = Number(v);
    else if (k === "v1") offered.push(v.toLowerCase());
  }
  if (!fresh(t) || offered.length === 0) return false;
  for (const secret of secrets) {
    const mac = await hmac(new TextEncoder().encode(secret), `${t}.${body}`);
    const expected = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
    if (offered.some((s) => constantTimeEqual(s, expected))) return true;
  }
  return false;
}

function headerOf(headers: WebhookHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * The HMAC key of a `whsec_<base64>` secret, decoded as Standard Webhooks libraries do (the URL-safe
 * alphabet of keys made before Loopgate adopted the format too); undefined when it is not base64.
 */
function secretKey(secret: string): Uint8Array | undefined {
  const b64 = (secret.startsWith("whsec_") ? secret.slice(6) : secret).replace(/-/g, "+").replace(/_/g, "/");
  try {
    const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) =>
      c.charCodeAt(0),
    );
    return bytes.length > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

async function hmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(text)));
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Constant-time comparison: do not reveal how many leading characters of a forgery matched. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
