import { fileURLToPath } from "node:url";
import type { ServerConfig } from "../../src/server.js";

/** Workflows with release delays, revert and SLAs (release-delay, revert and sla-timeouts tests). */
const TIMER_POLICIES = fileURLToPath(new URL("../fixtures/timer-policies", import.meta.url));

/**
 * Server overrides for timer tests: the clock is the test's, and the background timer poll is too slow to
 * matter, so timers fire when the test calls `timers.runOnce()`.
 */
export function timerOverrides(clock: () => number): Partial<ServerConfig> {
  return { clock, policyDir: TIMER_POLICIES, leaseSeconds: 60, timers: { pollMs: 3_600_000 } };
}
