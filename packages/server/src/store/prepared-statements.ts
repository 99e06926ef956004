import { createRequire } from "node:module";
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
 * Where a client of a preparing pool keeps `openWith(steps, text, values)`: runs `steps` (a BEGIN and its
 * pins, writes that needed no answer: pinned-begin.ts) and then the statement, answering with the
 * statement's result. In one round trip once this connection has prepared the statement and the steps
 * that have values; one by one before that, which prepares them.
 */
export const OPEN_WITH = Symbol("openWith");
export type OpenWith = (steps: readonly Step[], text: string, values: unknown[]) => Promise<unknown>;

/** One statement sent ahead of another: parameterless text, or a statement with values (prepared). */
export interface Step {
  text: string;
  values?: unknown[];
}

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
    const openWith: OpenWith = async (steps, text, values) => {
      const name = nameOf(text);
      // A step with values goes by its prepared name; parameterless ones are parsed as they go.
      const ahead = steps.map((step) => ({ ...step, name: step.values?.length ? nameOf(step.text) : null }));
      if (
        name !== undefined &&
        parsed(name) &&
        ahead.every((step) => step.name === null || parsed(step.name))
      ) {
        try {
          return await submit(client, pipelined({ name, text, values }, ahead as Ahead[]));
        } catch (error) {
          // As in `named`, inside the transaction this is part of: the name goes, the error stands.
          if ((error as { code?: string }).code === RESULT_TYPE_CHANGED) names.delete(text);
          throw error;
        }
      }
      for (const step of steps)
        await (step.values?.length ? named(step.text, step.values) : query(step.text));
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
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: {
    portal: string;
    statement: string;
    values: unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  execute(config: { portal: string }): void;
}
interface QueryInternals {
  prepare(connection: Connection): void;
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
}

/** A step as sent: by its prepared name, or (null) parsed unnamed. */
type Ahead = Step & { name: string | null };

const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue: (value: unknown) => unknown;
};

/**
 * The prepared statement `main`, preceded in the same messages (before one Sync) by `steps`: PostgreSQL
 * runs them in order and answers once. The steps' answers (a BEGIN's, the pins' row, a write's count) are
 * passed over; the query answers with the statement's result alone. An error in any of them fails the
 * query, and PostgreSQL skips the rest. A step parsed unnamed makes node-postgres note `main` as parsed
 * again, which it already is (`openWith` sends nothing else this way).
 */
function pipelined(main: { name: string; text: string; values: unknown[] }, steps: Ahead[]): pg.Query {
  const q = new pg.Query(main);
  const inner = q as unknown as QueryInternals;
  let passing = steps.length;
  const prepare = inner.prepare.bind(q);
  inner.prepare = (connection) => {
    for (const step of steps) {
      if (step.name === null) connection.parse({ text: step.text, name: "", types: [] });
      const values = step.values ?? [];
      connection.bind({ portal: "", statement: step.name ?? "", values, valueMapper: prepareValue });
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
