import type { PolicySet } from "@loopgate/core";
import { type OversightRunOptions, runOversight } from "../oversight/run.js";
import type { AlertRecord, Store } from "../store/index.js";
import type { WorkerLogger } from "./outbox.js";

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
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #running = false;

  constructor(options: OversightWorkerOptions) {
    this.#o = options;
  }

  /** The first run comes one interval after start: a restart loop must not re-run the check each time. */
  start(): void {
    if (this.#running || this.#o.intervalMs <= 0) return;
    this.#running = true;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** One run now; resolves to the alerts it stored. */
  async runOnce(): Promise<AlertRecord[]> {
    const { store, policies, clock } = this.#o;
    const alerts = await runOversight(store, policies(), clock(), { ...this.#o.run, actor: "system" });
    if (alerts.length > 0) this.#o.onAlerts?.(alerts);
    return alerts;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#inFlight = this.runOnce()
        .then(() => undefined)
        .catch((err) => this.#o.logger?.error({ err }, "oversight: run failed; will retry next interval"))
        .finally(() => {
          this.#inFlight = undefined;
          if (this.#running) this.#schedule();
        });
    }, this.#o.intervalMs);
    this.#timer.unref();
  }
}
