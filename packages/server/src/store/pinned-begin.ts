import { AsyncLocalStorage } from "node:async_hooks";
import { type ClientPool, wrapClients } from "./pool-clients.js";

/** Statements that ride with one transaction's BEGIN or COMMIT (see PinnedBegin). */
export interface Riders {
  /** Sent as `begin; <begin>`: settings in force from the transaction's first statement. */
  begin?: string;
  /** Sent as `<commit>; commit`: work that belongs to the transaction but needs no answer (pg_notify). */
  commit?: string;
}

/**
 * Statements that go with the BEGIN or the COMMIT of one transaction, in the same round trip:
 * PostgreSQL runs the several statements of a simple query in order, so `begin; select set_config(...,
 * true)` opens the transaction with its settings already in force for the price of the BEGIN alone, and
 * `select pg_notify(...); commit` notifies at that commit for the price of the COMMIT alone. When a
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

  /** `pool`, whose clients add the pending statements to the BEGIN or COMMIT they are asked to send. */
  pool(pool: ClientPool): ClientPool {
    return wrapClients(pool, (client) => {
      const query = client.query.bind(client) as (text: unknown, values?: unknown) => unknown;
      (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
        const pending = text === "begin" || text === "commit" ? this.#pending.getStore() : undefined;
        if (pending?.begin && text === "begin" && !pending.began) {
          pending.began = true;
          return query(`begin; ${pending.begin}`, values);
        }
        if (pending?.commit && text === "commit" && !pending.committed) {
          pending.committed = true;
          return query(`${pending.commit}; commit`, values);
        }
        return query(text, values);
      };
    });
  }
}
