/** The notification records (migration 021): identities, email tokens, the notification outbox. */

export type NotifyChannel = "slack" | "email";
export const NOTIFY_CHANNELS: readonly NotifyChannel[] = ["slack", "email"];

/** A Slack user id or an email address, and the Loopgate user it is. */
export interface NotifyIdentity {
  channel: NotifyChannel;
  externalId: string;
  userId: string;
  createdBy: string;
  createdAt: number;
}

export interface NotifyToken {
  caseId: string;
  userId: string;
  address: string;
  expiresAt: number;
  usedAt: number | null;
}

/** A row of the notification outbox, as the worker claims it. */
export interface NotifyMessage {
  id: string;
  workflow: string;
  channel: NotifyChannel;
  kind: "case" | "reply";
  caseId: string | null;
  target: string | null;
  body: string | null;
  attempts: number;
}

/** What a channel of a workflow was sent since a time: the digest's rule reads it. */
export interface RecentSends {
  /** Messages: one per case announced alone, one per summary. */
  messages: number;
  /** When the latest summary went out; null when none did. */
  lastDigestAt: number | null;
}
