import { sql } from "kysely";
import type { Db } from "../rows.js";

/**
 * Wrong sign-ins counted per subject (`user:<name>`, `addr:<address>`) in the database, so every
 * process sharing it counts the same guesses. A subject's count starts over once `windowMs` has passed
 * since its first failure; reaching its limit locks it until `now + windowMs`.
 */

/** The latest `locked_until` among `subjects` that is still in the future, or undefined. */
export async function signInLockedUntil(
  db: Db,
  subjects: readonly string[],
  now: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom("sign_in_failures")
    .select((eb) => eb.fn.max("locked_until").as("until"))
    .where("subject", "in", subjects)
    .where("locked_until", ">", now)
    .executeTakeFirst();
  const until = row?.until;
  return until === null || until === undefined ? undefined : Number(until);
}

/** Counts one failure for each subject, locking those that reach their limit. */
export async function recordSignInFailure(
  db: Db,
  failures: readonly { subject: string; limit: number }[],
  now: number,
  windowMs: number,
): Promise<void> {
  const windowStart = now - windowMs;
  for (const { subject, limit } of failures) {
    // One statement per subject, so concurrent failures in several processes each count.
    await db
      .insertInto("sign_in_failures")
      .values({ subject, failures: 1, first_at: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.column("subject").doUpdateSet({
          failures: sql<number>`CASE WHEN sign_in_failures.first_at > ${windowStart} THEN sign_in_failures.failures + 1 ELSE 1 END`,
          first_at: sql<number>`CASE WHEN sign_in_failures.first_at > ${windowStart} THEN sign_in_failures.first_at ELSE ${now} END`,
        }),
      )
      .execute();
    await db
      .updateTable("sign_in_failures")
      .set({ locked_until: now + windowMs })
      .where("subject", "=", subject)
      .where("failures", ">=", limit)
      .where("locked_until", "<=", now)
      .execute();
  }
  // Counts nobody can reach any more; without this, guesses at made-up usernames would pile up rows.
  await db
    .deleteFrom("sign_in_failures")
    .where("first_at", "<=", windowStart)
    .where("locked_until", "<=", now)
    .execute();
}

/** Forgets a subject's failures (a right password for that username). */
export async function clearSignInFailures(db: Db, subject: string): Promise<void> {
  await db.deleteFrom("sign_in_failures").where("subject", "=", subject).execute();
}
