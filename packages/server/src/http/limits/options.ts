/**
 * Abuse limits (issue 13, item 7), one place for their defaults. `loopgate serve` reads each from the
 * environment (README, "Configuration"); tests pass small ones.
 */
export interface AbuseLimits {
  /** Wrong passwords for one username before it is locked (LOOPGATE_SIGNIN_MAX_FAILURES). */
  signInMaxFailures: number;
  /**
   * Wrong sign-ins from one client address before it is locked (LOOPGATE_SIGNIN_ADDRESS_MAX_FAILURES):
   * higher than per username, since an office behind one NAT address shares it.
   */
  signInAddressMaxFailures: number;
  /** How long failures are counted, and a lock lasts (LOOPGATE_SIGNIN_LOCKOUT_SECONDS). */
  signInLockoutSeconds: number;
  /** Requests per key (or per signed-in person) per minute; 0 = no limit (LOOPGATE_RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute: number;
  /**
   * Longest time a client may take to send a whole request, headers and body
   * (LOOPGATE_REQUEST_TIMEOUT_SECONDS). Only the upload: a long-poll or the event stream, whose request
   * is complete at once, may answer much later.
   */
  requestTimeoutSeconds: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>` (LOOPGATE_METRICS_TOKEN). */
  metricsToken?: string;
}

export const DEFAULT_LIMITS: AbuseLimits = {
  signInMaxFailures: 5,
  signInAddressMaxFailures: 20,
  signInLockoutSeconds: 15 * 60,
  // 2,000 requests a second for a minute: far above any automation's honest rate (the bench's busiest
  // submitter included), low enough that one runaway loop cannot take the server for itself.
  rateLimitPerMinute: 120_000,
  requestTimeoutSeconds: 30,
};
