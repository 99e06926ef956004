import { type Dispatcher, request } from "undici";
import { destinationOf, type NewEvent, type OutboxMessage, type Store } from "../store/index.js";
import { holdWebhooks } from "../suspensions/holds.js";
import { DestinationPolicy } from "../webhooks/destinations.js";
import { guardedAgent, RefusedByPolicy } from "../webhooks/guarded-agent.js";
import { legacySignature, SIGNATURE_HEADER } from "../webhooks/signature.js";
import {
  standardSignature,
  WEBHOOK_ID,
  WEBHOOK_SIGNATURE,
  WEBHOOK_TIMESTAMP,
} from "../webhooks/standard-signature.js";
import { PollLoop, type WorkerLogger } from "./poll-loop.js";

export type { WorkerLogger } from "./poll-loop.js";

export interface OutboxWorkerOptions {
  store: Store;
  /**
   * The secrets that sign for a message's `keyId` (an API key, or a workflow's alerts), newest first;
   * undefined when the key no longer exists.
   */
  signingSecrets(owner: string, now: number): Promise<string[] | undefined>;
  /** Epoch ms. Decides what is due and stamps the events. */
  clock: () => number;
  logger?: WorkerLogger;
  /** Which addresses deliveries may connect to (default: public addresses only). */
  destinations?: DestinationPolicy;
  /** Where requests go out; default an agent that enforces `destinations` at connect time. */
  dispatcher?: Dispatcher;
  /** Also send the pre-Standard-Webhooks `Loopgate-Signature` and `Loopgate-Delivery` headers. */
  legacySignature?: boolean;
  /** How often to look for due messages when nobody kicks. */
  pollMs?: number;
  /** The wait after the first failure; it doubles with every further one. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Attempts before giving up (the message stays in the outbox, marked with no next attempt). */
  maxAttempts?: number;
  /** Per request; a receiver slower than this counts as a failure. */
  timeoutMs?: number;
  /** How long a claimed message is ours; another worker may retry it after that. */
  leaseMs?: number;
  /** Messages claimed per round (never more than the free delivery slots). */
  batchSize?: number;
  /** Deliveries in flight to one destination (scheme, host and port) at a time. */
  perDestination?: number;
  /** Deliveries in flight in this process at a time, over all destinations. */
  concurrency?: number;
  /**
   * Deliveries in flight at a time for one signer (the key that submitted the case, or a workflow's
   * alerts); default half of `concurrency`, so one automation's slow receivers on many ports or names
   * never hold every slot.
   */
  perKey?: number;
}

type Settings = Required<Omit<OutboxWorkerOptions, "logger" | "dispatcher" | "destinations">> &
  Pick<OutboxWorkerOptions, "logger">;

/** Header naming the delivery in the legacy format (Standard Webhooks' `webhook-id` carries it now). */
const DELIVERY_HEADER = "Loopgate-Delivery";

/**
 * The most messages handed back for busy destinations and left out of this process's claims by id. Only
 * a round's worth gathers per destination: once its slots are taken, the claim leaves the destination
 * out in SQL (`excludeDestinations`), however many of its messages are queued.
 */
const MAX_HANDED_BACK = 1000;

/** What the automation is told about a failed attempt: never the socket error, which maps the network. */
const REFUSED = "refused by policy";
const FAILED = "failed";

/**
 * Delivers webhooks from the durable outbox: claims due messages (exclusively, across processes), POSTs
 * each signed body, and records the outcome through the store, which writes `webhook_delivered` or
 * `webhook_failed`. Failures are retried with exponential backoff until `maxAttempts`. Delivery is at
 * least once: a worker that dies after the POST but before recording it leaves the message to be sent
 * again when its lease ends; the `webhook-id` header lets receivers notice.
 *
 * Deliveries do not wait for each other (issue 13, item 4): each runs on its own, at most
 * `perDestination` at a time to one destination, `perKey` for one signer and `concurrency` in all, so a
 * receiver that answers slowly holds only its own slots. A message claimed while its destination's (or
 * its signer's) slots are taken is given back (still due) and left out of this process's claims until
 * one of those deliveries ends, so the next claim reaches other messages; another process may take it
 * meanwhile. A destination or signer whose slots are all taken is left out of the claim itself, in SQL,
 * so an automation that queues thousands of webhooks to its own slow receivers does not push everyone
 * else's out of reach.
 */
export class OutboxWorker {
  readonly #options: Settings;
  readonly #destinations: DestinationPolicy;
  #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #dispatcherClosed = false;
  readonly #loop: PollLoop;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #busy = new Map<string, number>();
  /** Ids of the messages whose delivery is in flight in this process. */
  readonly #sending = new Set<string>();
  /**
   * Messages handed back because their destination was busy, by destination: left out of the next
   * claims until a delivery to that destination ends (then they are due again at once).
   */
  readonly #waiting = new Map<string, Set<string>>();
  /** The same two by signer (`keyId`): deliveries in flight, and messages handed back for a busy one. */
  readonly #busyKeys = new Map<string, number>();
  readonly #waitingForKey = new Map<string, Set<string>>();

  constructor(options: OutboxWorkerOptions) {
    this.#options = {
      pollMs: 500,
      baseBackoffMs: 1000,
      maxBackoffMs: 3_600_000,
      maxAttempts: 12,
      timeoutMs: 10_000,
      leaseMs: 30_000,
      batchSize: 10,
      perDestination: 2,
      concurrency: 32,
      legacySignature: false,
      ...stripUndefined(options),
      perKey: options.perKey ?? Math.max(1, Math.floor((options.concurrency ?? 32) / 2)),
    };
    this.#destinations = options.destinations ?? new DestinationPolicy();
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? this.#newAgent();
    this.#loop = new PollLoop({
      name: "webhook outbox",
      round: async () => (await this.#claimRound()).more,
      intervalMs: this.#options.pollMs,
      logger: this.#options.logger,
    });
  }

  /** Starts polling; the first round runs at once. */
  start(): void {
    if (this.#dispatcherClosed) {
      this.#dispatcher = this.#newAgent();
      this.#dispatcherClosed = false;
    }
    this.#loop.start();
  }

  /** Stops polling and waits for the deliveries in flight to be sent and recorded. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    // Its idle keep-alive sockets would otherwise hold the process open after a shutdown.
    if (this.#ownsDispatcher && !this.#dispatcherClosed) {
      this.#dispatcherClosed = true;
      await this.#dispatcher.close();
    }
  }

  #newAgent(): Dispatcher {
    return guardedAgent(this.#destinations, { connectTimeoutMs: this.#options.timeoutMs });
  }

  /** Runs a round soon: call it after committing a transaction that wrote an outbox row. */
  kick(): void {
    this.#loop.kick();
  }

  /**
   * One round now, after the round in flight: claims the due messages and waits for the deliveries it
   * started (and any still in flight). Resolves to how many it started. Tests move the clock, then call it.
   */
  async runOnce(): Promise<number> {
    await this.#loop.settled();
    let total = 0;
    for (;;) {
      const { started, handedBack } = await this.#claimRound();
      total += started;
      while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
      // What was handed back for a busy destination is due still: its turn is now.
      if (handedBack === 0) return total;
    }
  }

  async #claimRound(): Promise<{ started: number; handedBack: number; more: boolean }> {
    const { store, clock, batchSize, leaseMs, concurrency, perDestination, perKey } = this.#options;
    const free = concurrency - this.#inFlight.size;
    // Full: a delivery that ends kicks the loop, so nothing waits for the poll interval.
    if (free <= 0) return { started: 0, handedBack: 0, more: false };
    const limit = Math.min(batchSize, free);
    // Messages this process is still sending are left out too: if the clock passes their lease before the
    // outcome is recorded (a clock that jumps, a store that is slow to answer), claiming them again here
    // would send the same webhook twice from one process.
    const exclude = [...this.#waiting.values(), ...this.#waitingForKey.values()]
      .flatMap((ids) => [...ids])
      .concat([...this.#sending]);
    // The exclusion travels as query parameters; past this many, wait for a busy destination to free up
    // rather than grow the statement without bound (a guard: busy destinations are left out below).
    if (exclude.length >= MAX_HANDED_BACK) return { started: 0, handedBack: 0, more: false };
    const full = (busy: Map<string, number>, cap: number) =>
      [...busy].filter(([, n]) => n >= cap).map(([name]) => name);
    const claimed = await store.outbox.claim({
      now: clock(),
      limit,
      leaseMs,
      exclude,
      excludeDestinations: full(this.#busy, perDestination),
      excludeKeys: full(this.#busyKeys, perKey),
    });
    // The stop button: a held decision's webhook waits while a suspension covers its case.
    const held = await holdWebhooks(store, claimed, clock());
    const handBack: string[] = [];
    for (const m of claimed) {
      if (held.has(m.id)) continue;
      const destination = destinationOf(m.url);
      const busy = this.#busy.get(destination) ?? 0;
      const busyKey = this.#busyKeys.get(m.keyId) ?? 0;
      const waitFor =
        busy >= perDestination
          ? { map: this.#waiting, name: destination }
          : busyKey >= perKey
            ? { map: this.#waitingForKey, name: m.keyId }
            : undefined;
      if (waitFor) {
        handBack.push(m.id);
        const waiting = waitFor.map.get(waitFor.name) ?? new Set<string>();
        waitFor.map.set(waitFor.name, waiting.add(m.id));
        continue;
      }
      this.#busy.set(destination, busy + 1);
      this.#busyKeys.set(m.keyId, busyKey + 1);
      this.#sending.add(m.id);
      const delivery: Promise<void> = this.#deliver(m)
        .catch((err) => {
          const fields = { err, outboxId: m.id, caseId: m.caseId };
          this.#options.logger?.error(
            fields,
            "webhook outbox: could not finish a delivery; will retry after its lease",
          );
        })
        .finally(() => {
          release(this.#busy, destination);
          release(this.#busyKeys, m.keyId);
          this.#waiting.delete(destination);
          this.#waitingForKey.delete(m.keyId);
          this.#sending.delete(m.id);
          this.#inFlight.delete(delivery);
          this.#loop.kick();
        });
      this.#inFlight.add(delivery);
    }
    await store.outbox.release(handBack);
    return {
      started: claimed.length - handBack.length - held.size,
      handedBack: handBack.length,
      more: claimed.length === limit,
    };
  }

  /**
   * Rejects only when the store or the secret lookup fails, not the receiver: no attempt is counted, and
   * the message is tried again when its lease runs out. At least once, never lost.
   */
  async #deliver(m: OutboxMessage): Promise<void> {
    const { store, clock, maxAttempts, logger } = this.#options;
    const attempt = m.attempts + 1;
    const outcome = await this.#post(m);
    const at = clock();
    const event = (type: NewEvent["type"], data: Record<string, unknown>): NewEvent => ({
      type,
      caseId: m.caseId,
      actor: "system",
      data: { outboxId: m.id, url: m.url, attempt, ...data },
      at,
    });
    if (outcome.ok) {
      await store.outbox.markDelivered(m.id, event("webhook_delivered", { status: outcome.status }));
      return;
    }
    // A refused destination stays refused: retrying would only knock on the same door again.
    const giveUp = attempt >= maxAttempts || outcome.error === REFUSED;
    const nextAttemptAt = giveUp ? null : at + retryDelayMs(m.attempts, this.#options);
    await store.outbox.markFailed(
      m.id,
      nextAttemptAt,
      event("webhook_failed", { status: outcome.status, error: outcome.error, nextAttemptAt }),
    );
    // The operator's log keeps the real reason; the case events show only refused / failed.
    const log = {
      outboxId: m.id,
      caseId: m.caseId,
      url: m.url,
      attempt,
      error: outcome.detail,
      nextAttemptAt,
    };
    logger?.warn(log, nextAttemptAt === null ? "webhook delivery abandoned" : "webhook delivery failed");
  }

  async #post(
    m: OutboxMessage,
  ): Promise<
    { ok: true; status: number } | { ok: false; status: number | null; error: string; detail: string }
  > {
    const refused = this.#destinations.urlRefusal(m.url);
    if (refused) return { ok: false, status: null, error: REFUSED, detail: `${m.url} ${refused}` };
    const now = this.#options.clock();
    const secrets = await this.#options.signingSecrets(m.keyId, now);
    if (secrets === undefined || secrets.length === 0) {
      const error = `no signing secret for key ${m.keyId}`;
      return { ok: false, status: null, error, detail: error };
    }
    const timestamp = Math.floor(now / 1000);
    try {
      const response = await request(m.url, {
        method: "POST",
        body: m.body,
        headers: {
          "content-type": "application/json",
          "user-agent": "loopgate",
          [WEBHOOK_ID]: m.id,
          [WEBHOOK_TIMESTAMP]: String(timestamp),
          [WEBHOOK_SIGNATURE]: standardSignature(secrets, m.id, timestamp, m.body),
          ...(this.#options.legacySignature && {
            [SIGNATURE_HEADER]: legacySignature(secrets, timestamp, m.body),
            [DELIVERY_HEADER]: m.id,
          }),
        },
        // undici's request() follows no redirect: a 3xx is an answer other than 2xx, and following it
        // would send the signed body somewhere the destination policy never saw.
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      // Only the status matters; drop the body so the connection can be reused.
      await response.body.dump().catch(() => {});
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, status, error: `${FAILED}: HTTP ${status}`, detail: `HTTP ${status}` };
    } catch (err) {
      const refusedAtConnect =
        err instanceof RefusedByPolicy || (err instanceof Error && err.cause instanceof RefusedByPolicy);
      return {
        ok: false,
        status: null,
        error: refusedAtConnect ? REFUSED : FAILED,
        detail: describeError(err, this.#options.timeoutMs),
      };
    }
  }
}

/**
 * The wait before the next attempt after `attemptsBefore` earlier ones failed and this one did too:
 * base * 2^attemptsBefore, capped at max, less up to 10% random jitter so that messages failing
 * together (a receiver that was down) do not all come back at the same instant.
 */
export function retryDelayMs(
  attemptsBefore: number,
  o: { baseBackoffMs: number; maxBackoffMs: number },
  random: () => number = Math.random,
): number {
  const delay = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** attemptsBefore);
  return Math.round(delay * (1 - 0.1 * random()));
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

/** One delivery fewer in flight for `name`. */
function release(busy: Map<string, number>, name: string): void {
  const left = (busy.get(name) ?? 1) - 1;
  if (left === 0) busy.delete(name);
  else busy.set(name, left);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
