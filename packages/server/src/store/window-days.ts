import { setImmediate } from "node:timers/promises";

const DAY_MS = 86_400_000;

/**
 * [since, until) cut into days (the last one shorter), each handed out on a turn of the event loop of
 * its own. Reports over long windows read a day at a time this way: SQLite's reads are synchronous, and
 * a 90-day read of a busy workflow would otherwise hold every request of the process for seconds.
 * Rows keyed by a case's decision time (`cases.decided_at`) fall in exactly one day, with all of
 * that case's decisions and outcomes when they are read through the case.
 */
export async function* windowDays(w: {
  since: number;
  until: number;
}): AsyncGenerator<{ since: number; until: number }> {
  for (let since = w.since; since < w.until; since += DAY_MS) {
    await setImmediate();
    yield { since, until: Math.min(since + DAY_MS, w.until) };
  }
}
