import { AsyncLocalStorage } from "node:async_hooks";
import { type ClientPool, wrapClients } from "./pool-clients.js";

/**
 * Statements that go with the BEGIN of one transaction, in the same round trip: PostgreSQL runs the
 * several statements of a simple query in order, so `begin; select set_config(..., true)` opens the
 * transaction with its settings already in force, for the price of the BEGIN alone.
 *
 * Kysely sends the BEGIN itself (`db.transaction()`), so the work inside is a real transaction to the
 * code it calls (`isTransaction`): code that opens a transaction of its own when it is not in one joins
 * this one instead of sending a BEGIN and a COMMIT of its own in the middle of it.
 */
export class PinnedBegin {
  readonly #pending = new AsyncLocalStorage<{ statements: string; sent: boolean }>();

  /** Runs `work`, whose first BEGIN (and only that one) carries `statements`. */
  run<T>(statements: string, work: () => Promise<T>): Promise<T> {
    return this.#pending.run({ statements, sent: false }, work);
  }

  /** `pool`, whose clients add the pending statements to the BEGIN they are asked to send. */
  pool(pool: ClientPool): ClientPool {
    return wrapClients(pool, (client) => {
      const query = client.query.bind(client) as (text: unknown, values?: unknown) => unknown;
      (client as { query: unknown }).query = (text: unknown, values?: unknown) => {
        const pending = text === "begin" ? this.#pending.getStore() : undefined;
        if (!pending || pending.sent) return query(text, values);
        pending.sent = true;
        return query(`begin; ${pending.statements}`, values);
      };
    });
  }
}
