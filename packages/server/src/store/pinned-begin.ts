import { AsyncLocalStorage } from "node:async_hooks";
import { type ClientPool, wrapClients } from "./pool-clients.js";
import { OPEN_WITH, type OpenWith } from "./prepared-statements.js";

/** Statements that ride with one transaction's BEGIN or COMMIT (see PinnedBegin). */
export interface Riders {
  /**
   * One parameterless statement sent right after BEGIN, before the transaction's first statement and in
   * its round trip: settings in force from that statement on (the claim's planner pins).
   */
  begin?: string;
  /** Sent as `<commit>; commit`: work that belongs to the transaction but needs no answer (pg_notify). */
  commit?: string;
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
  atCommit(statements: string): boolean {
    const pending = this.#pending.getStore();
    if (!pending || pending.committed) return false;
    pending.commit = pending.commit ? `${pending.commit}; ${statements}` : statements;
    return true;
  }

  /**
   * `pool`, whose clients add the pending statements to the BEGIN or COMMIT they are asked to send, and
   * hold every BEGIN back until the transaction's first statement: a preparing pool's client
   * (prepared-statements.ts `OPEN_WITH`) sends the BEGIN, its pins and that statement in one round trip,
   * one fewer for every transaction. Any other first statement goes after the BEGIN as before; a
   * transaction that sends nothing before its ROLLBACK sends nothing at all.
   */
  pool(pool: ClientPool): ClientPool {
    return wrapClients(pool, (client) => {
      const query = client.query.bind(client) as Send;
      const openWith = (client as unknown as Record<symbol, OpenWith | undefined>)[OPEN_WITH];
      let held: string[] | undefined;
      (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
        if (text === "begin") {
          held = this.#opening();
          return Promise.resolve(BEGUN);
        }
        if (held === undefined) return query(text === "commit" ? this.#commit() : text, values);
        const opening = held;
        held = undefined;
        if (text === "rollback") return Promise.resolve(ROLLED_BACK);
        if (text === "commit") return query(`${opening.join("; ")}; ${this.#commit()}`).then(last);
        if (openWith && typeof text === "string" && Array.isArray(values) && values.length > 0) {
          return openWith(opening, text, values);
        }
        if (typeof text !== "string") {
          // A cursor (Kysely's streams) is answered at once, not awaited: pg runs its queue in order, so
          // the BEGIN goes first, and a BEGIN that fails (a lost connection) fails the cursor too.
          query(opening.join("; ")).catch(() => {});
          return query(text, values);
        }
        return query(opening.join("; ")).then(() => query(text, values));
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

  /** The COMMIT to send, after the statements that ride with the scope's first one. */
  #commit(): string {
    const pending = this.#pending.getStore();
    if (!pending?.commit || pending.committed) return "commit";
    pending.committed = true;
    return `${pending.commit}; commit`;
  }
}

type Send = (text: unknown, values?: unknown) => Promise<QueryResult>;

interface QueryResult {
  command: string;
  rowCount: number | null;
  rows: unknown[];
}

/** What Kysely reads of a BEGIN or ROLLBACK that was never sent. */
const BEGUN: QueryResult = { command: "BEGIN", rowCount: null, rows: [] };
const ROLLED_BACK: QueryResult = { command: "ROLLBACK", rowCount: null, rows: [] };

/** A simple query of several statements answers with one result each: the caller asked for the last. */
function last(result: QueryResult | QueryResult[]): QueryResult {
  return Array.isArray(result) ? (result.at(-1) as QueryResult) : result;
}
