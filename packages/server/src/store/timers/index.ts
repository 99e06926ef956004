import type { CaseRecord } from "../cases/types.js";
import type { StoreEngine } from "../engine.js";
import { leaseDue } from "../leases.js";
import { type FireTimerArgs, fireTimer } from "./fire.js";
import { rowToTimer } from "./rows.js";
import type { TimerRecord } from "./types.js";

/**
 * Durable timers: release windows, SLA reminders and timeouts as rows in `timers`, so a restart loses
 * none. Other folders start timers in their own transactions (`insertTimers`); the timer worker claims
 * and fires them here.
 */
export interface TimerStore {
  /** Leases up to `limit` due timers (dueAt <= now, not done, not leased) for `leaseMs`. */
  claim(args: { now: number; limit: number; leaseMs: number }): Promise<TimerRecord[]>;
  /**
   * Fires a claimed timer exactly once: in one transaction, marks it done (false when it already was)
   * and applies what `effect` computes from the current case (null: nothing to do, e.g. decided meanwhile).
   */
  fire(args: FireTimerArgs): Promise<{ fired: boolean; case?: CaseRecord }>;
}

export function timerStore(engine: StoreEngine): TimerStore {
  const { db } = engine;
  return {
    claim: async (args) => (await leaseDue(db, engine.lockForClaim, "timers", args)).map(rowToTimer),
    fire: (args) => fireTimer(db, engine.lockRow, args),
  };
}
