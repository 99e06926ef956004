import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack refuses to sign older requests than this; so do we (a captured request cannot be replayed later). */
const SLACK_MAX_AGE_SECONDS = 5 * 60;

/**
 * Why a request claiming to come from Slack is refused, or undefined when it is Slack's: `v0=` HMAC-SHA256
 * of `v0:<timestamp>:<raw body>` under the app's signing secret, compared in constant time, with a
 * timestamp within five minutes of our clock (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
export function slackRequestRefusal(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: string,
  nowMs: number,
): string | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return "missing or malformed X-Slack-Request-Timestamp";
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) {
    return "X-Slack-Request-Timestamp is more than 5 minutes from now";
  }
  if (!signature) return "missing X-Slack-Signature";
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return "X-Slack-Signature does not match";
  return undefined;
}

/** The `X-Slack-Signature` value Slack sends for this body (tests sign their requests with it). */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}
