import type { NewEvent, OutboxMessage, Store } from "../store/index.js";
import { SIGNATURE_HEADER, signPayload } from "../webhooks/signature.js";
import { LeasedRowsWorker } from "./leased-rows.js";
import type { WorkerLogger } from "./poll-loop.js";

export type { WorkerLogger } from "./poll-loop.js";

export interface OutboxWorkerOptions {
  store: Store;
  /** The HMAC secret of the key a message is signed for; undefined when the key no longer exists. */
  getSigningSecret(keyId: string): Promise<string | undefined>;
  /** Epoch ms. Decides what is due and stamps the events. */
  clock: () => number;
  logger?: WorkerLogger;
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
  /** Messages claimed (and delivered in parallel) per round. */
  batchSize?: number;
}

/** Header naming the delivery: the same on every retry, so receivers can drop duplicates. */
const DELIVERY_HEADER = "Loopgate-Delivery";

/**
 * Delivers webhooks from the durable outbox: claims due messages (exclusively, across processes), POSTs
 * each signed body, and records the outcome through the store, which writes `webhook_delivered` or
 * `webhook_failed`. Failures are retried with exponential backoff until `maxAttempts`. Delivery is at
 * least once: a worker that dies after the POST but before recording it leaves the message to be sent
 * again when its lease ends; the `Loopgate-Delivery` header lets receivers notice.
 */
export class OutboxWorker {
  readonly #options: Required<Omit<OutboxWorkerOptions, "logger">> & Pick<OutboxWorkerOptions, "logger">;
  readonly #rows: LeasedRowsWorker<OutboxMessage, void>;

  constructor(options: OutboxWorkerOptions) {
    this.#options = {
      pollMs: 500,
      baseBackoffMs: 1000,
      maxBackoffMs: 3_600_000,
      maxAttempts: 12,
      timeoutMs: 10_000,
      leaseMs: 30_000,
      batchSize: 10,
      ...stripUndefined(options),
    };
    this.#rows = new LeasedRowsWorker(
      {
        name: "webhook outbox",
        claim: (due) => this.#options.store.outbox.claim(due),
        run: (m) => this.#deliver(m),
        order: "parallel",
        logFields: (m) => ({ outboxId: m.id, caseId: m.caseId }),
      },
      this.#options,
    );
  }

  /** Starts polling; the first round runs at once. */
  start(): void {
    this.#rows.start();
  }

  /** Stops polling and waits for the deliveries in flight to be sent and recorded. */
  stop(): Promise<void> {
    return this.#rows.stop();
  }

  /** Runs a round soon: call it after committing a transaction that wrote an outbox row. */
  kick(): void {
    this.#rows.kick();
  }

  /** One round: claims the due messages and delivers them in parallel. Resolves to how many were claimed. */
  async runOnce(): Promise<number> {
    return (await this.#rows.runOnce()).claimed;
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
    const nextAttemptAt = attempt >= maxAttempts ? null : at + retryDelayMs(m.attempts, this.#options);
    await store.outbox.markFailed(
      m.id,
      nextAttemptAt,
      event("webhook_failed", { status: outcome.status, error: outcome.error, nextAttemptAt }),
    );
    const log = { outboxId: m.id, caseId: m.caseId, attempt, error: outcome.error, nextAttemptAt };
    logger?.warn(log, nextAttemptAt === null ? "webhook delivery abandoned" : "webhook delivery failed");
  }

  async #post(
    m: OutboxMessage,
  ): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string }> {
    const secret = await this.#options.getSigningSecret(m.keyId);
    if (secret === undefined) {
      return { ok: false, status: null, error: `no signing secret for key ${m.keyId}` };
    }
    try {
      const response = await fetch(m.url, {
        method: "POST",
        body: m.body,
        headers: {
          "content-type": "application/json",
          "user-agent": "loopgate",
          [SIGNATURE_HEADER]: signPayload(secret, Math.floor(this.#options.clock() / 1000), m.body),
          [DELIVERY_HEADER]: m.id,
        },
        // A redirect is an answer other than 2xx: following it would send the signed body elsewhere.
        redirect: "manual",
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      // Only the status matters; drop the body so the connection can be reused.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (err) {
      return { ok: false, status: null, error: describeFetchError(err, this.#options.timeoutMs) };
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

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  // undici reports "fetch failed" and puts the reason (ECONNREFUSED, DNS...) in `cause`.
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
