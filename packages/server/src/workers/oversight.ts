import type { PolicySet } from "@loopgate/core";
import { type OversightRunOptions, runOversight } from "../oversight/run.js";
import type { AlertRecord, Store } from "../store/index.js";
import { PollLoop, type WorkerLogger } from "./poll-loop.js";

export interface OversightWorkerOptions {
  store: Store;
  policies: () => PolicySet;
  clock: () => number;
  logger?: WorkerLogger;
  /** Time between runs; 0 turns the worker off (alerts then come only from `POST /v1/oversight/run`). */
  intervalMs: number;
  run?: Omit<OversightRunOptions, "actor">;
  /** Called after a run stored alerts (wake the outbox for their webhooks). */
  onAlerts?: (alerts: AlertRecord[]) => void;
}

/**
 * Runs the oversight check (oversight/run.ts) every `intervalMs`. Nothing is leased: each run is a read
 * plus inserts that the unique open-alert index de-duplicates, so several processes on one PostgreSQL
 * may all run it and each alert is still raised once.
 */
export class OversightWorker {
  readonly #o: OversightWorkerOptions;
  readonly #loop: PollLoop;

  constructor(options: OversightWorkerOptions) {
    this.#o = options;
    this.#loop = new PollLoop({
      name: "oversight",
      round: async () => {
        await this.runOnce();
        return false;
      },
      intervalMs: options.intervalMs,
      // A restart loop must not re-run the check on every start.
      firstRoundAfterMs: options.intervalMs,
      logger: options.logger,
    });
  }

  /** The first run comes one interval after start. */
  start(): void {
    if (this.#o.intervalMs > 0) this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One run now; resolves to the alerts it stored. */
  async runOnce(): Promise<AlertRecord[]> {
    const { store, policies, clock } = this.#o;
    const alerts = await runOversight(store, policies(), clock(), { ...this.#o.run, actor: "system" });
    if (alerts.length > 0) this.#o.onAlerts?.(alerts);
    return alerts;
  }
}
