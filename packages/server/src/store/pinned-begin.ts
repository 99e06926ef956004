import { AsyncLocalStorage } from "node:async_hooks";
import { type ClientPool, wrapClients } from "./pool-clients.js";
import { OPEN_WITH, type OpenWith, type Step } from "./prepared-statements.js";
import { isWriteBehind } from "./write-behind.js";

/** Statements that ride with one transaction's BEGIN or COMMIT (see PinnedBegin). */
export interface Riders {
  /**
   * One parameterless statement sent right after BEGIN, before the transaction's first statement and in
   * its round trip: settings in force from that statement on (the claim's planner pins).
   */
  begin?: string;
  /**
   * Single statements sent ahead of the COMMIT, in its round trip: work that belongs to the transaction
   * but needs no answer (pg_notify).
   */
  commit?: readonly string[];
}

/**
 * Statements that go with the BEGIN or the COMMIT of one transaction, in the same round trip: the BEGIN,
 * `select set_config(..., true)` and the transaction's first statement travel together (`pool` below),
 * so the transaction opens with its settings in force at no cost of its own; and PostgreSQL runs the
 * several statements of a simple query in order, so `select pg_notify(...); commit` notifies at that
 * commit for the price of the COMMIT alone. When a
 * statement before the COMMIT fails, PostgreSQL skips the rest of the query: nothing is committed, and
 * Kysely rolls the transaction back as for any failed commit.
 *
 * Kysely sends the BEGIN and COMMIT itself (`db.transaction()`), so the work inside is a real
 * transaction to the code it calls (`isTransaction`): code that opens a transaction of its own when it is
 * not in one joins this one instead of sending a BEGIN and a COMMIT of its own in the middle of it.
 */
export class PinnedBegin {
  readonly #pending = new AsyncLocalStorage<Riders & { began?: boolean; committed?: boolean }>();

  /** Runs `work`, whose first BEGIN (and only that one) carries `statements`. */
  run<T>(statements: string, work: () => Promise<T>): Promise<T> {
    return this.with({ begin: statements }, work);
  }

  /** Runs `work`, whose first BEGIN and first COMMIT (only those) carry `riders`. */
  with<T>(riders: Riders, work: () => Promise<T>): Promise<T> {
    return this.#pending.run({ ...riders }, work);
  }

  /**
   * Inside `run` or `with`, before the COMMIT: `statements` ride with this transaction's COMMIT (for work
   * that learns what to notify as it goes, the claim). False outside such a scope, or once committed.
   */
  atCommit(statements: readonly string[]): boolean {
    const pending = this.#pending.getStore();
    if (!pending || pending.committed) return false;
    pending.commit = [...(pending.commit ?? []), ...statements];
    return true;
  }

  /**
   * `pool`, whose clients hold back what needs no answer yet and send it ahead of the next statement
   * that does, in its round trip: every BEGIN (with its pins) until the transaction's first statement,
   * and a write that asked to go behind (write-behind.ts) until the next statement or the COMMIT (with
   * its riders). A preparing pool's client (prepared-statements.ts `OPEN_WITH`) sends them as one
   * pipeline; otherwise they go one by one before the statement, as they always did. A transaction that
   * sent nothing before its ROLLBACK sends nothing at all.
   */
  pool(pool: ClientPool): ClientPool {
    return wrapClients(pool, (client) => {
      const query = client.query.bind(client) as Send;
      const openWith = (client as unknown as Record<symbol, OpenWith | undefined>)[OPEN_WITH];
      let inTransaction = false;
      let sent = false;
      let held: Step[] = [];
      const send = (text: unknown, values?: unknown): Promise<QueryResult> => {
        sent = true;
        const steps = held;
        held = [];
        if (steps.length === 0) return query(text, values);
        // Only statements with values are prepared (prepared-statements.ts), and so pipelined; without
        // any, the steps and the statement are one simple query (oneByOne), one round trip too.
        const withValues = Array.isArray(values) && values.length > 0;
        if (
          openWith &&
          typeof text === "string" &&
          (withValues || steps.some((step) => step.values?.length))
        ) {
          return openWith(steps, text, withValues ? (values as unknown[]) : []) as Promise<QueryResult>;
        }
        return oneByOne(query, steps, text, values);
      };
      (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
        if (text === "begin") {
          inTransaction = true;
          sent = false;
          held = this.#opening().map((statement) => ({ text: statement }));
          return Promise.resolve(BEGUN);
        }
        if (!inTransaction) return query(text, values);
        if (text === "rollback") {
          inTransaction = false;
          held = [];
          return sent ? query(text, values) : Promise.resolve(ROLLED_BACK);
        }
        if (text === "commit") {
          inTransaction = false;
          held.push(...this.#riders().map((statement) => ({ text: statement })));
          return send(text);
        }
        if (isWriteBehind() && typeof text === "string" && Array.isArray(values)) {
          held.push({ text, values });
          return Promise.resolve(HELD);
        }
        return send(text, values);
      };
    });
  }

  /** The BEGIN to send, and the pins of the scope's first transaction. */
  #opening(): string[] {
    const pending = this.#pending.getStore();
    if (!pending?.begin || pending.began) return ["begin"];
    pending.began = true;
    return ["begin", pending.begin];
  }

  /** The statements that ride with the scope's first COMMIT. */
  #riders(): readonly string[] {
    const pending = this.#pending.getStore();
    if (!pending?.commit || pending.committed) return [];
    pending.committed = true;
    return pending.commit;
  }
}

type Send = (text: unknown, values?: unknown) => Promise<QueryResult>;

interface QueryResult {
  command: string;
  rowCount: number | null;
  rows: unknown[];
}

/** What Kysely reads of a BEGIN or ROLLBACK that was never sent, and of a write held for later. */
const BEGUN: QueryResult = { command: "BEGIN", rowCount: null, rows: [] };
const ROLLED_BACK: QueryResult = { command: "ROLLBACK", rowCount: null, rows: [] };
const HELD: QueryResult = { command: "HELD", rowCount: null, rows: [] };

/**
 * The held steps, then the statement, the parameterless ones together in simple queries (`begin; <pins>;
 * <statement>`, `<riders>; commit`): what a statement without values takes, and everything when there
 * is no pipeline (LOOPGATE_PG_PREPARED=off).
 */
async function oneByOne(query: Send, steps: Step[], text: unknown, values?: unknown): Promise<QueryResult> {
  if (typeof text !== "string") {
    // A cursor (Kysely's streams) is answered at once, not awaited: pg runs its queue in order, so the
    // steps go first, and one that fails (a lost connection) fails the cursor too.
    for (const step of steps) query(step.text, step.values).catch(() => {});
    return query(text, values);
  }
  let texts: string[] = [];
  for (const step of steps) {
    if (!step.values?.length) {
      texts.push(step.text);
      continue;
    }
    if (texts.length > 0) await query(texts.join("; "));
    texts = [];
    await query(step.text, step.values);
  }
  if (Array.isArray(values) && values.length > 0) {
    if (texts.length > 0) await query(texts.join("; "));
    return query(text, values);
  }
  return query([...texts, text].join("; ")).then(last);
}

/** A simple query of several statements answers with one result each: the caller asked for the last. */
function last(result: QueryResult | QueryResult[]): QueryResult {
  return Array.isArray(result) ? (result.at(-1) as QueryResult) : result;
}
