import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { SMTPServer } from "smtp-server";
import { slackSignature } from "../../src/notify/slack-signature.js";
import type { TestServer } from "./server.js";

/** Fixtures for the notification suites (issue 14, item 5). */
export const NOTIFY_POLICIES = fileURLToPath(new URL("../fixtures/notify-policies", import.meta.url));
export const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const PUBLIC_URL = "https://loopgate.example.com";

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The text with quoted-printable soft breaks and `=3D` undone, enough to find links in. */
  text: string;
}

/** A real SMTP server on 127.0.0.1 (smtp-server), keeping every message it receives. */
export async function startSmtp() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        raw += chunk;
      });
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push({ to, raw, text: raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=") });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.server.address() as AddressInfo;
  return {
    smtp: { host: "127.0.0.1", port, secure: false, ignoreTLS: true },
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The confirmation links in a mail, as paths on the server. */
export function decisionPaths(mail: ReceivedMail): string[] {
  const links = mail.text.match(
    /https:\/\/loopgate\.example\.com\/v1\/notify\/email\/[A-Za-z0-9_%-]+\/[A-Za-z0-9_-]+/g,
  );
  return [...new Set(links ?? [])].map((l) => l.slice(PUBLIC_URL.length));
}

/** A Slack `block_actions` click: Approve (`reason` absent) or the Reject menu's option. */
export function click(slackUser: string, caseId: string, responseUrl: string, reason?: string) {
  const action =
    reason === undefined
      ? { action_id: "loopgate_approve", type: "button", value: caseId }
      : {
          action_id: "loopgate_reject",
          type: "static_select",
          selected_option: { value: `${caseId} ${reason}` },
        };
  return {
    type: "block_actions",
    user: { id: slackUser, username: slackUser, team_id: "T1" },
    team: { id: "T1" },
    response_url: responseUrl,
    actions: [action],
  };
}

/** POSTs an interaction as Slack would: form-encoded `payload`, signed at `at` (epoch ms) unless told otherwise. */
export function slackPost(
  s: TestServer,
  payload: unknown,
  o: { at: number; secret?: string; signature?: string },
) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(o.at / 1000));
  return fetch(`${s.url}/v1/integrations/slack/interactions`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": o.signature ?? slackSignature(o.secret ?? SLACK_SECRET, timestamp, body),
    },
    body,
  });
}

/** Maps a Slack user id or an email address to a user, as an admin (PUT /v1/notify/identities). */
export async function mapIdentity(
  s: TestServer,
  channel: "slack" | "email",
  externalId: string,
  user: string,
) {
  const res = await s.call("PUT", `/v1/notify/identities/${channel}/${encodeURIComponent(externalId)}`, {
    user,
  });
  if (res.status !== 200) throw new Error(`mapping failed: ${res.status} ${await res.text()}`);
}
