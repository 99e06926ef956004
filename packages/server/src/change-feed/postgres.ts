import { randomUUID } from "node:crypto";
import pg from "pg";
import type { TransactionNotice } from "../store/index.js";
import { type Change, type ChangeFeed, InProcessFeed } from "./change-feed.js";
import { channelFor, coalesce, decodeChanges, encodeChanges, PAYLOAD_LIMIT_BYTES } from "./payload.js";

export interface FeedLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface PostgresFeedOptions {
  url: string;
  /** The store's schema: processes on other schemas of the database hear nothing of these changes. */
  schema: string;
  logger?: FeedLogger;
  /** The first wait before listening again after the connection dropped; it doubles up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The change feed of a process sharing PostgreSQL with others. A change is delivered in-process at
 * once, as `InProcessFeed` does, and the changes published together (by one handler, or while the
 * previous send was in flight) go out as one `pg_notify` on the schema's channel (payload.ts): NOTIFY
 * takes a database-wide lock at commit, so one per submit would serialise the submits. One dedicated connection per process
 * LISTENs; notifications this process sent come back to it too and are ignored, since its listeners
 * already had them.
 *
 * When the listening connection drops, it is opened again with backoff; until then `live` is false and
 * long-polls re-read the store more often. Once listening again every resync listener runs, since
 * changes committed in the gap were not heard.
 *
 * A plain `pg.Client` rather than a LISTEN/NOTIFY library: the connection handling is these few
 * lines, and what is ours (coalescing, payload limits, ignoring our own) no library does.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly #local = new InProcessFeed();
  /** Names this process in its payloads, so it can tell its own notifications apart. */
  readonly #origin = randomUUID();
  readonly #channel: string;
  readonly #o: Required<Omit<PostgresFeedOptions, "logger">> & Pick<PostgresFeedOptions, "logger">;
  /** Sends the notifications, apart from the listening connection so a dropped listener delays no send. */
  readonly #sender: pg.Pool;
  #listener: pg.Client | undefined;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #queued: Change[] = [];
  #scheduled = false;
  #sending: Promise<void> | undefined;

  private constructor(options: PostgresFeedOptions) {
    this.#o = { baseBackoffMs: 100, maxBackoffMs: 10_000, ...options };
    this.#channel = channelFor(options.schema);
    this.#sender = new pg.Pool({
      connectionString: options.url,
      max: 1,
      application_name: "loopgate notify",
      // A wake-up needs no durability (a crash loses the listeners too): without waiting for the WAL
      // flush, a NOTIFY commits in a fraction of the time.
      options: "-c synchronous_commit=off",
    });
    // An idle connection that dies is dropped from the pool; the next send opens a fresh one.
    this.#sender.on("error", () => {});
  }

  /**
   * Starts listening on the schema's channel. A first connection that fails is logged and retried in
   * the background (the server runs on, its long-polls re-reading the store), not thrown.
   */
  static async start(options: PostgresFeedOptions): Promise<PostgresChangeFeed> {
    const feed = new PostgresChangeFeed(options);
    await feed.#listen();
    return feed;
  }

  get live(): boolean {
    return this.#listener !== undefined;
  }

  publish(change: Change): void {
    this.#local.publish(change);
    if (this.#closed) return;
    this.#queued.push(change);
    this.#schedule();
  }

  noticeFor(changes: readonly Change[]): TransactionNotice | undefined {
    if (this.#closed) return undefined;
    const payloads = encodeChanges(this.#origin, coalesce(changes));
    // PostgreSQL would refuse it, and the transaction with it: better told after the commit, or not at all.
    if (payloads.some((p) => Buffer.byteLength(p) > PAYLOAD_LIMIT_BYTES)) return undefined;
    return { channel: this.#channel, payloads };
  }

  publishLocal(change: Change): void {
    this.#local.publish(change);
  }

  subscribe(listener: (change: Change) => void): () => void {
    return this.#local.subscribe(listener);
  }

  onResync(listener: () => void): () => void {
    return this.#local.onResync(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    // What routes published before closing still goes out.
    while (this.#scheduled || this.#sending) {
      if (this.#scheduled) this.#startSending();
      await this.#sending;
    }
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#sender.end();
  }

  /**
   * Sends once the code that published has run to its end (a microtask), so what one handler publishes
   * goes together; while a send is in flight, changes gather for the next: the busier, the bigger the
   * batch, and no change waits for more than the send before it.
   */
  #schedule(): void {
    if (this.#scheduled || this.#sending) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      if (this.#scheduled) this.#startSending();
    });
  }

  #startSending(): void {
    this.#scheduled = false;
    this.#sending = this.#send().finally(() => {
      this.#sending = undefined;
      // Published between the last loop's check and now: it would otherwise wait for the next publish.
      if (this.#queued.length > 0) this.#schedule();
    });
  }

  async #send(): Promise<void> {
    while (this.#queued.length > 0) {
      const payloads = encodeChanges(this.#origin, coalesce(this.#queued.splice(0)));
      try {
        // Every payload of the batch in one statement: one round trip and one commit.
        await this.#sender.query("select pg_notify($1, p) from unnest($2::text[]) as p", [
          this.#channel,
          payloads,
        ]);
      } catch (err) {
        // Lost for the other processes; their long-polls still re-read the store (the fallback).
        this.#o.logger?.warn({ err, changes: payloads.length }, "change feed: NOTIFY failed");
      }
    }
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#o.url,
      application_name: "loopgate listen",
      // A connection that silently went away (no FIN) is noticed, instead of listening to nothing.
      keepAlive: true,
    });
    let gone = false;
    const lost = (err?: unknown) => {
      if (gone) return;
      gone = true;
      client.end().catch(() => {});
      if (this.#listener === client) this.#listener = undefined;
      if (!this.#closed) this.#listenLater(err);
    };
    // Stays attached after `lost`: an 'error' event without a listener would end the process.
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => {
      if (!gone) this.#receive(msg);
    });
    try {
      await client.connect();
      await client.query(`listen "${this.#channel}"`);
    } catch (err) {
      lost(err);
      return;
    }
    if (gone) return;
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
    if (this.#failures > 0) this.#o.logger?.info({ channel: this.#channel }, "change feed: listening again");
    this.#failures = 0;
    // Only now, listening: a waiter that re-reads after this sees every commit of the gap and hears
    // what follows. (On the first start nobody waits yet, so this costs nothing.)
    this.#local.resync();
  }

  #listenLater(err: unknown): void {
    const backoff = Math.min(this.#o.maxBackoffMs, this.#o.baseBackoffMs * 2 ** this.#failures);
    this.#failures += 1;
    // Jitter, so the processes of a restarted database do not all come back in the same instant.
    const delayMs = Math.round(backoff * (0.75 + Math.random() * 0.5));
    this.#o.logger?.warn(
      { err, channel: this.#channel, retryInMs: delayMs },
      "change feed: not listening; long-polls re-read the store until it is back",
    );
    this.#retry = setTimeout(() => void this.#listen(), delayMs);
    this.#retry.unref();
  }

  #receive(msg: pg.Notification): void {
    if (msg.channel !== this.#channel || msg.payload === undefined) return;
    const decoded = decodeChanges(msg.payload);
    if (!decoded) {
      this.#o.logger?.warn({ channel: msg.channel }, "change feed: ignored a notification that is not ours");
      return;
    }
    if (decoded.from === this.#origin) return;
    for (const change of decoded.changes) this.#local.publish(change);
  }
}
