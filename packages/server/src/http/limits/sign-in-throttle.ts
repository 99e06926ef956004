import type { FastifyReply } from "fastify";
import type { Store } from "../../store/index.js";
import { HttpProblem } from "../problem.js";
import type { AbuseLimits } from "./options.js";

/**
 * Sign-in throttling: wrong passwords are counted per username and per client address (in the
 * database, so every process counts the same guesses); either reaching its limit locks sign-in for
 * that username or address for `signInLockoutSeconds`, right password or not. Unknown usernames are
 * counted and locked like real ones, so a lock tells nothing about who exists.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly limits: AbuseLimits,
  ) {}

  /** 429 with Retry-After when the username (if any) or the address is locked. */
  async check(
    reply: FastifyReply,
    username: string | undefined,
    address: string,
    now: number,
  ): Promise<void> {
    const until = await this.store.identity.signInLockedUntil(subjects(username, address), now);
    if (until === undefined) return;
    const seconds = Math.max(1, Math.ceil((until - now) / 1000));
    reply.header("retry-after", String(seconds));
    throw new HttpProblem(
      429,
      "Too many requests",
      `Too many wrong sign-ins; try again in ${seconds} seconds`,
      { retryAfterSeconds: seconds },
    );
  }

  async failed(username: string | undefined, address: string, now: number): Promise<void> {
    const failures = [{ subject: addressSubject(address), limit: this.limits.signInAddressMaxFailures }];
    if (username !== undefined) {
      failures.push({ subject: userSubject(username), limit: this.limits.signInMaxFailures });
    }
    await this.store.identity.recordSignInFailure(failures, now, this.limits.signInLockoutSeconds * 1000);
  }

  /**
   * A right password clears the username's count, not the address's: else an attacker holding one
   * account could sign in with it between guesses at others and never reach the address limit.
   */
  async succeeded(username: string): Promise<void> {
    await this.store.identity.clearSignInFailures(userSubject(username));
  }
}

const userSubject = (username: string) => `user:${username.toLowerCase()}`;
const addressSubject = (address: string) => `addr:${address}`;

function subjects(username: string | undefined, address: string): string[] {
  return username === undefined
    ? [addressSubject(address)]
    : [userSubject(username), addressSubject(address)];
}
