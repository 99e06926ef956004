import pg from "pg";
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

/**
 * Where a client of a preparing pool keeps `openWith(opening, text, values)`: runs the parameterless
 * `opening` statements (a BEGIN and its pins, pinned-begin.ts) and then the statement, in one round trip
 * once this connection has prepared them all; one by one before that, which prepares them.
 */
export const OPEN_WITH = Symbol("openWith");
export type OpenWith = (opening: readonly string[], text: string, values: unknown[]) => Promise<unknown>;

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
    const parsed = (name: string | undefined) =>
      name !== undefined && (client as unknown as Internals).connection.parsedStatements[name] !== undefined;
    const openWith: OpenWith = async (opening, text, values) => {
      const name = nameOf(text);
      const openingNames = opening.map(nameOf);
      if (name !== undefined && parsed(name) && openingNames.every(parsed)) {
        try {
          return await submit(client, pipelined(name, text, values, openingNames as string[]));
        } catch (error) {
          // As in `named`, inside the transaction this opens: the name goes, the error stands.
          if ((error as { code?: string }).code === RESULT_TYPE_CHANGED) names.delete(text);
          throw error;
        }
      }
      if (openingNames.some((n) => n === undefined)) await query(opening.join("; "));
      else
        for (const [i, o] of opening.entries()) await query({ name: openingNames[i], text: o, values: [] });
      return named(text, values);
    };
    (client as unknown as Record<symbol, OpenWith>)[OPEN_WITH] = openWith;
    // Kysely calls query(text, values) for statements and query(cursor) for streams; only the first is named.
    (client as { query: unknown }).query = (text: unknown, values?: unknown) =>
      typeof text === "string" && Array.isArray(values) && values.length > 0
        ? named(text, values)
        : query(text as string, values as unknown[]);
  });
}

/** The parts of node-postgres's client and query this module reaches into (pg 8). */
interface Internals {
  connection: Connection & { parsedStatements: Record<string, string> };
}
interface Connection {
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  execute(config: { portal: string }): void;
}
interface QueryInternals {
  prepare(connection: Connection): void;
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
}

/**
 * The prepared statement `name`, preceded in the same messages (before one Sync) by the prepared
 * parameterless statements `opening`: PostgreSQL runs them in order and answers once. Their answers
 * (a BEGIN's, the pins' row) are passed over; the query answers with the statement's result alone. An
 * error in any of them fails the query, and PostgreSQL skips the rest.
 */
function pipelined(name: string, text: string, values: unknown[], opening: string[]): pg.Query {
  const q = new pg.Query({ name, text, values });
  const inner = q as unknown as QueryInternals;
  let passing = opening.length;
  const prepare = inner.prepare.bind(q);
  inner.prepare = (connection) => {
    for (const statement of opening) {
      connection.bind({ portal: "", statement, values: [] });
      connection.execute({ portal: "" });
    }
    prepare(connection);
  };
  const row = inner.handleDataRow.bind(q);
  inner.handleDataRow = (msg) => {
    if (passing === 0) row(msg);
  };
  const described = inner.handleRowDescription.bind(q);
  inner.handleRowDescription = (msg) => {
    if (passing === 0) described(msg);
  };
  const complete = inner.handleCommandComplete.bind(q);
  inner.handleCommandComplete = (msg, connection) => {
    if (passing > 0) passing--;
    else complete(msg, connection);
  };
  return q;
}

/** Sends a query object and resolves with its result (node-postgres answers such objects by events). */
function submit(client: pg.PoolClient, q: pg.Query): Promise<unknown> {
  return new Promise((resolve, reject) => {
    q.on("end", resolve);
    q.on("error", reject);
    client.query(q);
  });
}
