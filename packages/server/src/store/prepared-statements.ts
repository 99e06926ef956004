import type pg from "pg";
import { type ClientPool, wrapClients } from "./pool-clients.js";

/**
 * Named prepared statements for Kysely's PostgreSQL driver. Kysely sends every query unnamed, so
 * PostgreSQL parses and plans it again on each call; for the claim and the decision, a dozen short
 * statements each, planning was most of the database's work (measured: 113 → 163 claim+decide cycles
 * per second with 20 reviewers, same run). Named by their text, each statement is prepared once per
 * connection, and PostgreSQL's plan cache keeps a generic plan once it costs no more than the custom
 * ones. The claim's plans stay pinned (engine.claimTransaction) and are checked as generic plans too
 * (test/store/claim-plans.test.ts).
 */

/**
 * Distinct statement texts named at most. Queries differ only by their text (an `in` list's length, a
 * batch's row count), so a few hundred cover every path; past that, a statement goes unnamed, so text
 * built from values could never grow the backends' memory without bound.
 */
const MAX_NAMED = 1000;

/** PostgreSQL's answer when a table changed under a prepared `select *` (another process migrated). */
const RESULT_TYPE_CHANGED = "0A000";

/** A pool whose clients name each parameterised statement by its text. */
export function preparingPool(pool: ClientPool, maxNamed = MAX_NAMED): ClientPool {
  const names = new Map<string, string>();
  let issued = 0;
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (!name && names.size < maxNamed) {
      name = `lg_${issued++}`;
      names.set(text, name);
    }
    return name;
  };
  return wrapClients(pool, (client) => {
    const query = client.query.bind(client) as (
      config: pg.QueryConfig | string,
      values?: unknown[],
    ) => unknown;
    const named = async (text: string, values: unknown[]) => {
      const name = nameOf(text);
      if (!name) return query(text, values);
      try {
        return await query({ name, text, values });
      } catch (error) {
        if ((error as { code?: string }).code !== RESULT_TYPE_CHANGED) throw error;
        // Prepared before a migration changed the table: retire the name, so every connection prepares
        // the text afresh. Outside a transaction the call is answered unprepared; inside one the error
        // has already aborted it, and the caller's transaction fails as any other would.
        names.delete(text);
        if (client.getTransactionStatus() !== "I") throw error;
        return query(text, values);
      }
    };
    // Kysely calls query(text, values) for statements and query(cursor) for streams; only the first is named.
    (client as { query: unknown }).query = (text: unknown, values?: unknown) =>
      typeof text === "string" && Array.isArray(values) && values.length > 0
        ? named(text, values)
        : query(text as string, values as unknown[]);
  });
}
