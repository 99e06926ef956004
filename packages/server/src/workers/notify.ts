import { randomUUID } from "node:crypto";
import type { PolicySet, Workflow } from "@loopgate/core";
import nodemailer, { type Transporter } from "nodemailer";
import { type Dispatcher, request } from "undici";
import {
  caseLink,
  DEFAULT_TOKEN_TTL_SECONDS,
  emailDecisionLink,
  type NotifyConfig,
  queueLink,
} from "../notify/config.js";
import { caseMail, digestMail, type Mail } from "../notify/email-messages.js";
import { caseMessage, digestMessage } from "../notify/slack-messages.js";
import { digestOf, summarise } from "../notify/summary.js";
import { newEmailToken } from "../notify/tokens.js";
import type { CaseRecord, NotifyChannel, NotifyMessage, Store } from "../store/index.js";
import type { DestinationPolicy } from "../webhooks/destinations.js";
import { guardedAgent } from "../webhooks/guarded-agent.js";
import { retryDelayMs } from "./outbox.js";
import { PollLoop, type WorkerLogger } from "./poll-loop.js";

export interface NotifyWorkerOptions {
  store: Store;
  policies: () => PolicySet;
  config: NotifyConfig;
  /** Which addresses Slack posts may reach (the webhook outbox's policy: LOOPGATE_CALLBACK_ALLOW). */
  destinations: DestinationPolicy;
  clock: () => number;
  logger?: WorkerLogger;
  /** Where `webhookUrlEnv` names are looked up (default process.env). */
  env?: Record<string, string | undefined>;
  /** Per request to Slack. */
  timeoutMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
}

/** Rows claimed per round, and new waiting cases announced per workflow per round. */
const BATCH = 200;
const LEASE_MS = 60_000;

/**
 * Tells reviewers that cases wait (issue 14, item 5), off the request path: each round announces the
 * newly queued cases of every workflow with a `notify` block (store.notify.announceWaiting, one row per
 * case and channel), then claims due rows under a lease and sends them: to Slack through the guarded
 * undici agent (the SSRF policy of webhooks), by SMTP through nodemailer. A channel that got more than
 * `digest.after` messages in `digest.window` gets one summary instead, at most one per window. Slack
 * replies (the message updated after a decision) go out from the same outbox. At least once: a process
 * that dies mid-send leaves the row to be sent again after its lease.
 */
export class NotifyWorker {
  readonly #o: NotifyWorkerOptions;
  readonly #loop: PollLoop;
  readonly #dispatcher: Dispatcher;
  readonly #mailer: Transporter | undefined;

  constructor(options: NotifyWorkerOptions) {
    this.#o = options;
    this.#dispatcher = guardedAgent(options.destinations, { connectTimeoutMs: options.timeoutMs ?? 10_000 });
    const smtp = options.config.smtp;
    this.#mailer = smtp === undefined ? undefined : nodemailer.createTransport(smtp);
    this.#loop = new PollLoop({
      name: "notifications",
      round: () => this.#round(),
      intervalMs: options.config.pollMs ?? 5000,
      logger: options.logger,
    });
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#dispatcher.close();
    this.#mailer?.close();
  }

  /** A round soon: after a Slack reply was queued. */
  kick(): void {
    this.#loop.kick();
  }

  /** One round now, after the one in flight (tests move the clock, then call it). */
  async runOnce(): Promise<void> {
    await this.#loop.settled();
    while (await this.#round()) {}
    // A kick's round may have started meanwhile and taken rows this one then did not see.
    await this.#loop.settled();
  }

  async #round(): Promise<boolean> {
    const { store, clock } = this.#o;
    const now = clock();
    for (const wf of this.#o.policies().workflows.values()) {
      const channels = this.#channels(wf);
      if (channels.length > 0)
        await store.notify.announceWaiting({ workflow: wf.workflow, channels, now, limit: BATCH });
    }
    const rows = await store.notify.claimDue({ now, limit: BATCH, leaseMs: LEASE_MS });
    const groups = new Map<string, NotifyMessage[]>();
    for (const m of rows) {
      if (m.kind === "reply") {
        await this.#attempt([m], () => this.#postSlack(m.target ?? "", m.body ?? "{}"), "sent");
        continue;
      }
      const key = `${m.channel} ${m.workflow}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    for (const group of groups.values()) await this.#sendGroup(group);
    return rows.length === BATCH;
  }

  #channels(wf: Workflow): NotifyChannel[] {
    const n = wf.notify;
    if (!n) return [];
    return [
      ...(n.slack ? (["slack"] as const) : []),
      ...(n.email && this.#mailer ? (["email"] as const) : []),
    ];
  }

  /** One channel of one workflow: each case alone, or one digest when the channel is busy. */
  async #sendGroup(group: NotifyMessage[]): Promise<void> {
    const { store, clock } = this.#o;
    const first = group[0] as NotifyMessage;
    const wf = this.#o.policies().workflows.get(first.workflow);
    const now = clock();
    const waiting: Array<{ m: NotifyMessage; c: CaseRecord }> = [];
    const gone: string[] = [];
    for (const m of group) {
      const c = m.caseId === null ? undefined : await store.cases.get(m.caseId);
      // Decided before its turn, or the policy no longer asks for this channel: nothing to tell.
      if (!c || c.status === "decided" || !wf || !this.#channels(wf).includes(m.channel)) gone.push(m.id);
      else waiting.push({ m, c });
    }
    await store.notify.finish(gone, { outcome: "skipped", now });
    if (!wf?.notify || waiting.length === 0) return;
    const { after, windowSeconds } = wf.notify.digest;
    const windowMs = windowSeconds * 1000;
    const recent = await store.notify.recentSends(wf.workflow, first.channel, now - windowMs);
    if (recent.messages + waiting.length <= after) {
      for (const { m, c } of waiting)
        await this.#attempt([m], () => this.#sendCase(wf, m.channel, c), "sent");
      return;
    }
    // Busy: one summary per window. One went out lately, so these wait for the next.
    if (recent.lastDigestAt !== null && recent.lastDigestAt > now - windowMs) {
      await store.notify.defer(
        waiting.map((w) => w.m.id),
        recent.lastDigestAt + windowMs,
      );
      return;
    }
    const digest = digestOf(
      wf.workflow,
      waiting.map((w) => w.c),
    );
    const queue = queueLink(this.#o.config.publicUrl);
    const send =
      first.channel === "slack"
        ? () => this.#postSlack(this.#slackUrl(wf), JSON.stringify(digestMessage(digest, queue)))
        : () => this.#mailAll(wf, () => digestMail(digest, queue));
    await this.#attempt(
      waiting.map((w) => w.m),
      send,
      "digest",
    );
  }

  async #sendCase(wf: Workflow, channel: NotifyChannel, c: CaseRecord): Promise<void> {
    const s = summarise(c);
    const link = caseLink(this.#o.config.publicUrl, c.id);
    if (channel === "slack") {
      await this.#postSlack(this.#slackUrl(wf), JSON.stringify(caseMessage(s, link, wf.reasons)));
      return;
    }
    await this.#mailAll(wf, async (address) => {
      const decide = await this.#decisionLink(address, c);
      return caseMail(s, link, decide);
    });
  }

  /**
   * The recipient's own confirmation link, bound to the person the address maps to and to the case;
   * none for an address that maps to no active user (they can only open the workspace).
   */
  async #decisionLink(address: string, c: CaseRecord): Promise<string | undefined> {
    const { store, clock, config } = this.#o;
    const userId = await store.notify.userFor("email", address);
    const user = userId === undefined ? undefined : await store.identity.getUser(userId);
    if (!user || user.disabledAt !== null) return undefined;
    const { token, hash } = newEmailToken();
    const now = clock();
    const ttl = (config.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000;
    await store.notify.createToken({
      hash,
      caseId: c.id,
      userId: user.id,
      address,
      now,
      expiresAt: now + ttl,
    });
    return emailDecisionLink(config.publicUrl, c.id, token);
  }

  async #mailAll(wf: Workflow, compose: (address: string) => Mail | Promise<Mail>): Promise<void> {
    const mailer = this.#mailer;
    if (!mailer) throw new Error("no SMTP server configured (LOOPGATE_SMTP_URL)");
    for (const to of wf.notify?.email?.to ?? []) {
      const mail = await compose(to);
      await mailer.sendMail({ from: this.#o.config.from ?? "loopgate@localhost", to, ...mail });
    }
  }

  #slackUrl(wf: Workflow): string {
    const slack = wf.notify?.slack;
    if (!slack) throw new Error(`workflow ${wf.workflow} has no notify.slack`);
    if ("webhookUrl" in slack) return slack.webhookUrl;
    const url = (this.#o.env ?? process.env)[slack.webhookUrlEnv];
    if (!url) throw new Error(`notify.slack.webhookUrlEnv: ${slack.webhookUrlEnv} is not set`);
    return url;
  }

  async #postSlack(url: string, body: string): Promise<void> {
    const refused = this.#o.destinations.urlRefusal(url);
    if (refused) throw new Error(`${url} ${refused}`);
    const response = await request(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": "loopgate" },
      dispatcher: this.#dispatcher,
      signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
    });
    await response.body.dump().catch(() => {});
    if (response.statusCode < 200 || response.statusCode >= 300)
      throw new Error(`Slack answered HTTP ${response.statusCode}`);
  }

  /** Sends, and records the outcome of every row the send covers: done, or retried with backoff. */
  async #attempt(
    rows: NotifyMessage[],
    send: () => Promise<void>,
    outcome: "sent" | "digest",
  ): Promise<void> {
    const { store, clock, logger } = this.#o;
    try {
      await send();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      for (const m of rows) {
        const giveUp = m.attempts + 1 >= (this.#o.maxAttempts ?? 8);
        const at = clock();
        const nextAttemptAt = giveUp
          ? null
          : at +
            retryDelayMs(m.attempts, {
              baseBackoffMs: this.#o.baseBackoffMs ?? 1000,
              maxBackoffMs: 3_600_000,
            });
        await store.notify.failed(m.id, { error, nextAttemptAt, now: at });
      }
      logger?.warn(
        { error, messages: rows.map((m) => m.id), workflow: rows[0]?.workflow },
        "notification not sent",
      );
      return;
    }
    await store.notify.finish(
      rows.map((m) => m.id),
      { outcome, now: clock(), ...(outcome === "digest" && { digestId: `dig_${randomUUID()}` }) },
    );
  }
}
