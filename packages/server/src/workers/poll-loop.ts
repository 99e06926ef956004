/** The slice of a pino logger the workers use. */
export interface WorkerLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface PollLoopOptions {
  /** Names the loop in its log lines. */
  name: string;
  /** One round of work. Resolves to true when more may be waiting, so the next round runs at once. */
  round: () => Promise<boolean>;
  /** The wait before the next round when nothing more is waiting, and after a failed round. */
  intervalMs: number;
  /** The wait before the first round after `start()`; 0 runs it at once. */
  firstRoundAfterMs?: number;
  logger?: WorkerLogger;
}

/**
 * Runs `round` again and again, one at a time, until stopped: the loop under every background worker.
 * A round that throws is logged and the loop carries on after `intervalMs`, so a database that is down
 * for a while delays the work rather than ending it.
 */
export class PollLoop {
  readonly #o: PollLoopOptions;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #kicked = false;

  constructor(options: PollLoopOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // Restarted before the last round ended: that round schedules the next one.
    if (!this.#inFlight) this.#schedule(this.#o.firstRoundAfterMs ?? 0);
  }

  /** Stops the loop and waits for the round in flight to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Resolves once the round in flight, if any, has finished. */
  async settled(): Promise<void> {
    await this.#inFlight;
  }

  /** Runs a round soon; during a round, runs another right after it (it may have missed the new work). */
  kick(): void {
    if (!this.#running) return;
    if (this.#inFlight) this.#kicked = true;
    else this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#round();
    }, delayMs);
    // A waiting poll must not keep the process alive on its own.
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    this.#kicked = false;
    let more = false;
    try {
      more = await this.#o.round();
    } catch (err) {
      this.#o.logger?.error({ err }, `${this.#o.name}: round failed; will retry`);
    }
    // Cleared before the next is scheduled, so that a kick from now on starts a round of its own.
    this.#inFlight = undefined;
    if (this.#running) this.#schedule(more || this.#kicked ? 0 : this.#o.intervalMs);
  }
}

/**
 * Work done every `intervalMs`, the first time an interval after `start()` (not at start-up: a restart
 * loop must not turn into a loop of this work competing with the first requests); an interval of 0
 * leaves it off. Scheduled work (checkpoints, purges) extends this.
 */
export class PeriodicWork {
  readonly #loop: PollLoop | undefined;

  constructor(o: { name: string; intervalMs: number; round: () => Promise<void>; logger?: WorkerLogger }) {
    this.#loop =
      o.intervalMs > 0
        ? new PollLoop({
            name: o.name,
            round: async () => {
              await o.round();
              return false;
            },
            intervalMs: o.intervalMs,
            firstRoundAfterMs: o.intervalMs,
            ...(o.logger && { logger: o.logger }),
          })
        : undefined;
  }

  start(): void {
    this.#loop?.start();
  }

  async stop(): Promise<void> {
    await this.#loop?.stop();
  }
}
