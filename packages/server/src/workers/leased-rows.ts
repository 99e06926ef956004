import { PollLoop, type WorkerLogger } from "./poll-loop.js";

/** What a durable job does: which rows are due, and what to do with each. */
export interface LeasedRowsJob<Row, Result> {
  /** Names the job in its log lines. */
  name: string;
  /**
   * Up to `limit` rows due at `now`, leased to this process for `leaseMs` (the store's claim does the
   * locking, so several processes on one database never take the same row).
   */
  claim(due: { now: number; limit: number; leaseMs: number }): Promise<Row[]>;
  /** Does one row's work and marks it done, or rejects and leaves it to its lease. */
  run(row: Row): Promise<Result>;
  /** "parallel": a batch's rows run together; "in order": one after another, in the order claimed. */
  order: "parallel" | "in order";
  /** What identifies a row in the log line of a failed run. */
  logFields?(row: Row): Record<string, unknown>;
}

export interface LeasedRowsSettings {
  /** Epoch ms: decides what is due (tests move it instead of sleeping). */
  clock: () => number;
  logger?: WorkerLogger;
  /** How often to look for due rows when nobody kicks. */
  pollMs: number;
  /** Rows claimed per round; a full batch means more may be due, so the next round runs at once. */
  batchSize: number;
  /** How long a claimed row is ours; another process may take it after that. */
  leaseMs: number;
}

/** What one round did: rows claimed, and the results of those whose run resolved (as they finished). */
export interface LeasedRound<Result> {
  claimed: number;
  results: Result[];
}

/**
 * Works through the rows of a durable job: claims due rows with a lease and runs each, round after round
 * (the loop is `PollLoop`'s). A row whose run fails stays claimed until its lease runs out, then a later
 * round (here or in another process) takes it again: at least once, never lost to a crash or a restart.
 *
 * @example A new durable job is one small file: what is due, and what doing it means.
 * ```ts
 * export class RetentionWorker {
 *   readonly #rows: LeasedRowsWorker<ExpiredExport, void>;
 *   constructor(store: Store, settings: LeasedRowsSettings) {
 *     this.#rows = new LeasedRowsWorker(
 *       {
 *         name: "retention",
 *         claim: (due) => store.exports.claimExpired(due),
 *         run: (row) => store.exports.delete(row.id),
 *         order: "parallel",
 *         logFields: (row) => ({ exportId: row.id }),
 *       },
 *       settings, // e.g. { clock: Date.now, logger, pollMs: 60_000, batchSize: 50, leaseMs: 30_000 }
 *     );
 *   }
 *   start(): void { this.#rows.start(); }
 *   stop(): Promise<void> { return this.#rows.stop(); }
 * }
 * ```
 */
export class LeasedRowsWorker<Row, Result> {
  readonly #job: LeasedRowsJob<Row, Result>;
  readonly #settings: LeasedRowsSettings;
  readonly #loop: PollLoop;

  constructor(job: LeasedRowsJob<Row, Result>, settings: LeasedRowsSettings) {
    this.#job = job;
    this.#settings = settings;
    this.#loop = new PollLoop({
      name: job.name,
      round: async () => (await this.#round()).claimed === settings.batchSize,
      intervalMs: settings.pollMs,
      logger: settings.logger,
    });
  }

  /** Starts polling; the first round runs at once. */
  start(): void {
    this.#loop.start();
  }

  /** Stops polling and waits for the rows in flight to be done. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Runs a round soon: call it after committing a transaction that made a row due. */
  kick(): void {
    this.#loop.kick();
  }

  /**
   * One round now, after the background round in flight (if any) has finished: so when it resolves,
   * every row due at the clock's time has been run (tests move the clock, then call this).
   * Rejects only when the claim does.
   */
  async runOnce(): Promise<LeasedRound<Result>> {
    await this.#loop.settled();
    return this.#round();
  }

  async #round(): Promise<LeasedRound<Result>> {
    const { clock, batchSize, leaseMs, logger } = this.#settings;
    const job = this.#job;
    const rows = await job.claim({ now: clock(), limit: batchSize, leaseMs });
    const results: Result[] = [];
    const settle = async (row: Row) => {
      try {
        results.push(await job.run(row));
      } catch (err) {
        const fields = job.logFields?.(row);
        logger?.error({ err, ...fields }, `${job.name}: could not finish a row; will retry after its lease`);
      }
    };
    if (job.order === "parallel") await Promise.all(rows.map(settle));
    else for (const row of rows) await settle(row);
    return { claimed: rows.length, results };
  }
}
