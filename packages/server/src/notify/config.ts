import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";

/**
 * The server's side of notifications (issue 14, item 5); each workflow's policy says who hears what
 * (`notify:`), this says how to reach them. Unset on a server: no workflow is notified.
 */
export interface NotifyConfig {
  /** LOOPGATE_PUBLIC_URL: the address people open the workspace at; every link in a message starts with it. */
  publicUrl: string;
  /** LOOPGATE_SLACK_SIGNING_SECRET: the Slack app's signing secret. Unset: Slack interactions are refused. */
  slackSigningSecret?: string;
  /** LOOPGATE_SMTP_URL (smtp://user:pass@host:587) or nodemailer's SMTP options. Unset: no email. */
  smtp?: string | SMTPTransport.Options;
  /** LOOPGATE_MAIL_FROM: the sender of the emails. */
  from?: string;
  /** How long an email link may decide (default 24 h). */
  tokenTtlSeconds?: number;
  /** How often the worker looks for newly waiting cases (default 5 s). */
  pollMs?: number;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;

/** The workspace's pages a message links to (the web router's `/cases/:id` and the queue at `/`). */
export function caseLink(publicUrl: string, caseId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/cases/${encodeURIComponent(caseId)}`;
}

export function queueLink(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/`;
}

/** The confirmation page of an email link: GET shows it, only its POST decides. */
export function emailDecisionLink(publicUrl: string, caseId: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/v1/notify/email/${encodeURIComponent(caseId)}/${token}`;
}

/**
 * The notification settings of `loopgate serve` from the environment: on when LOOPGATE_PUBLIC_URL is
 * set (links need it), with LOOPGATE_SLACK_SIGNING_SECRET, LOOPGATE_SMTP_URL, LOOPGATE_MAIL_FROM and
 * LOOPGATE_NOTIFY_TOKEN_HOURS.
 */
export function notifyFromEnv(env: Record<string, string | undefined>): NotifyConfig | undefined {
  const publicUrl = env.LOOPGATE_PUBLIC_URL?.trim();
  if (!publicUrl) return undefined;
  const hours = Number(env.LOOPGATE_NOTIFY_TOKEN_HOURS ?? 24);
  if (!Number.isFinite(hours) || hours <= 0)
    throw new Error("LOOPGATE_NOTIFY_TOKEN_HOURS must be a number of hours above 0");
  return {
    publicUrl,
    ...(env.LOOPGATE_SLACK_SIGNING_SECRET && { slackSigningSecret: env.LOOPGATE_SLACK_SIGNING_SECRET }),
    ...(env.LOOPGATE_SMTP_URL && { smtp: env.LOOPGATE_SMTP_URL }),
    ...(env.LOOPGATE_MAIL_FROM && { from: env.LOOPGATE_MAIL_FROM }),
    tokenTtlSeconds: Math.round(hours * 3600),
  };
}
