import { type Checker, duration, field, integer, mapping, text } from "./fields.js";
import type { Path } from "./source.js";

/** Where the Slack incoming webhook is: in the policy, or (a secret) in an environment variable. */
export type SlackTarget = { webhookUrl: string } | { webhookUrlEnv: string };

/**
 * Who hears that a case of the workflow waits for review (issue 14, item 5). Slack gets a message with
 * Approve/Reject; email gets a link to a confirmation page. Deciding from either needs the person's
 * Loopgate account (identities mapped by an admin) and runs every rule the decisions route runs.
 */
export interface NotifySettings {
  slack?: SlackTarget;
  email?: { to: string[] };
  /** More than `after` messages to one channel within `windowSeconds`: one summary instead of each. */
  digest: { after: number; windowSeconds: number };
}

/** Without a `digest` block: up to 10 messages per channel in 15 minutes, then a summary. */
export const DEFAULT_DIGEST = { after: 10, windowSeconds: 900 } as const;

/** An environment variable's name, as shells accept it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An address nodemailer can send to: something@domain, no spaces or angle brackets. */
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export function readNotify(value: unknown, path: Path, c: Checker): NotifySettings | undefined {
  const n = mapping(value, path, c, ["slack", "email", "digest"], "slack, email, digest");
  if (!n) return undefined;
  const slack = field(n, path, "slack", readSlack, c);
  const email = field(n, path, "email", readEmail, c);
  const digest = field(n, path, "digest", readDigest, c);
  if (n.slack == null && n.email == null) {
    c.src.issue(path, "notify needs a channel: slack, email or both");
    return undefined;
  }
  return {
    ...(slack && { slack }),
    ...(email && { email }),
    digest: digest ?? { ...DEFAULT_DIGEST },
  };
}

function readSlack(value: unknown, path: Path, c: Checker): SlackTarget | undefined {
  const s = mapping(value, path, c, ["webhookUrl", "webhookUrlEnv"], "webhookUrl or webhookUrlEnv");
  if (!s) return undefined;
  if ((s.webhookUrl == null) === (s.webhookUrlEnv == null)) {
    c.src.issue(
      path,
      "give exactly one of webhookUrl (the incoming webhook) or webhookUrlEnv (a variable holding it)",
    );
    return undefined;
  }
  const url = field(s, path, "webhookUrl", httpsUrl, c);
  if (url !== undefined) return { webhookUrl: url };
  const env = field(s, path, "webhookUrlEnv", text(ENV_NAME, "is not an environment variable name"), c);
  return env === undefined ? undefined : { webhookUrlEnv: env };
}

function readEmail(value: unknown, path: Path, c: Checker): { to: string[] } | undefined {
  const e = mapping(value, path, c, ["to"], "to");
  if (!e) return undefined;
  const to = e.to;
  if (!Array.isArray(to) || to.length === 0) {
    c.src.issue(
      [...path, "to"],
      "must be a list of at least one email address",
      e.to == null ? "parent" : "value",
    );
    return undefined;
  }
  const addresses: string[] = [];
  to.forEach((a, i) => {
    const read = text(EMAIL, "is not an email address")(a, [...path, "to", i], c);
    if (read !== undefined) addresses.push(read.toLowerCase());
  });
  return addresses.length === to.length ? { to: addresses } : undefined;
}

function readDigest(value: unknown, path: Path, c: Checker): NotifySettings["digest"] | undefined {
  const d = mapping(value, path, c, ["after", "window"], "after, window");
  if (!d) return undefined;
  const after = field(d, path, "after", integer(1), c) ?? DEFAULT_DIGEST.after;
  const window = field(d, path, "window", duration, c);
  return { after, windowSeconds: window?.seconds ?? DEFAULT_DIGEST.windowSeconds };
}

/** Webhook URLs carry their secret in the path: only over TLS, except to loopback (tests, a relay). */
function httpsUrl(value: unknown, path: Path, c: Checker): string | undefined {
  const raw = typeof value === "string" ? value.trim() : "";
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {}
  const loopback =
    parsed?.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(parsed.hostname);
  if (!parsed || !(parsed.protocol === "https:" || loopback)) {
    c.src.issue(path, `must be an https:// URL (http:// only to loopback) (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return raw;
}
