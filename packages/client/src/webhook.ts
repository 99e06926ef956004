/**
 * Verifies a Loopgate webhook on the receiving side. The `Loopgate-Signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the submitting key's signing secret.
 * Uses Web Crypto, so it runs in Node >= 20, browsers, workers and edge runtimes alike.
 *
 * A verified body is a `DecidedWebhook`. When its `humanOwned` is true the case was human_only: a
 * person did the action (verdict `done`, their record in `output`) or declined it (`reject`); never run
 * your proposal for it.
 *
 * @example
 * ```ts
 * const ok = await verifyWebhook({ secret, header: req.headers["loopgate-signature"], body: rawBody });
 * if (!ok) return res.writeHead(401).end();
 * const event = JSON.parse(rawBody) as DecidedWebhook<Payment>;
 * if (event.humanOwned) await ledger.record(event.output, event.note); // a person did it
 * else if (event.verdict === "approve" || event.verdict === "edit") await bank.pay(event.output);
 * ```
 */
export async function verifyWebhook(args: {
  secret: string;
  header: string | null | undefined;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string;
  /** Oldest acceptable timestamp, in seconds (default 300): stops replays of old deliveries. */
  toleranceSeconds?: number;
  nowMs?: number;
}): Promise<boolean> {
  if (!args.header) return false;
  const parts = new Map(
    args.header.split(",").map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1");
  if (!Number.isFinite(t) || !v1) return false;
  const now = (args.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - t) > (args.toleranceSeconds ?? 300)) return false;
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(args.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${t}.${args.body}`)));
  const expected = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  // Constant-time comparison: do not reveal how many leading characters matched.
  if (expected.length !== v1.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ v1.charCodeAt(i);
  return diff === 0;
}
