/**
 * The queue-depth forecast (issue 15, item 2): will the waiting work be done within the SLA at the team's
 * recent pace? The guide warns that complacency grows "as queues grow": a team that cannot keep up is
 * told before deadlines pass, not after.
 *
 * The model is the queue as it is served: oldest first, one case every `1 / pace`. The k-th oldest case
 * (k = 1, 2, …) is then decided at now + k / pace, and misses when that is past its deadline (created +
 * SLA). Once k / pace exceeds the SLA window, every later case misses too (each was created by now, so
 * its deadline is at most now + SLA): the forecast needs only the oldest `pace × SLA + 1` cases.
 */
export interface QueueForecastInput {
  /** Cases waiting (queued or held, undecided) in the workflow. */
  waiting: number;
  /** Creation times of the oldest waiting cases, oldest first (at least the first `capacity + 1`). */
  oldestCreatedAt: readonly number[];
  /** Cases the team decided in the pace window just before now. */
  decidedInWindow: number;
  paceWindowMs: number;
  slaMs: number;
}

export interface QueueForecast {
  /** Cases the forecast sees missing their deadline (a lower bound when the read stopped early). */
  atRisk: number;
  /** Decisions per hour over the pace window. */
  pacePerHour: number;
  /** When the first case that would miss is forecast to be decided, and its deadline; null when none. */
  firstMiss: { decidedAt: number; deadline: number } | null;
  /** How long the waiting work takes at that pace (Infinity when the team decided nothing). */
  clearMs: number;
}

/** How many of the oldest waiting cases the forecast must read: the team's capacity within one SLA window, plus one. */
export function forecastReadLimit(decidedInWindow: number, paceWindowMs: number, slaMs: number): number {
  const perMs = decidedInWindow / paceWindowMs;
  return Math.min(100_000, Math.ceil(perMs * slaMs) + 1);
}

export function forecastQueue(input: QueueForecastInput, now: number): QueueForecast {
  const perMs = input.decidedInWindow / input.paceWindowMs;
  const pacePerHour = perMs * 3_600_000;
  const clearMs = input.waiting === 0 ? 0 : perMs === 0 ? Number.POSITIVE_INFINITY : input.waiting / perMs;
  let atRisk = 0;
  let firstMiss: QueueForecast["firstMiss"] = null;
  const read = Math.min(input.waiting, input.oldestCreatedAt.length);
  for (let k = 1; k <= read; k++) {
    const decidedAt = perMs === 0 ? Number.POSITIVE_INFINITY : now + k / perMs;
    const deadline = (input.oldestCreatedAt[k - 1] as number) + input.slaMs;
    if (decidedAt > deadline) {
      atRisk++;
      firstMiss ??= { decidedAt, deadline };
    }
  }
  // Past the read, every case misses: it is served after the last one read, which already took longer
  // than a whole SLA window (forecastReadLimit), and it was created by now.
  const unread = input.waiting - read;
  if (unread > 0 && (perMs === 0 || read / perMs > input.slaMs)) {
    atRisk += unread;
    firstMiss ??= {
      decidedAt: perMs === 0 ? Number.POSITIVE_INFINITY : now + (read + 1) / perMs,
      deadline: now + input.slaMs,
    };
  }
  return { atRisk, pacePerHour, firstMiss, clearMs };
}
