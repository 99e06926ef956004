import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Writes whose answer the caller does not read (a rollup's write-back): inside a PostgreSQL transaction
 * such a statement is held and sent with the transaction's next statement or its COMMIT, in that round
 * trip (pinned-begin.ts). It still runs before anything sent after it, so the transaction reads its own
 * writes as before; only a failure of it is reported later, by the statement it went with, and fails the
 * transaction there. Elsewhere (SQLite, outside a transaction) the statement runs at once.
 */
const behind = new AsyncLocalStorage<boolean>();

/** Runs `write`, whose one statement may go with the transaction's next one. */
export function writeBehind<T>(write: () => Promise<T>): Promise<T> {
  return behind.run(true, write);
}

/** Whether the statement being sent now was asked to go with the next one. */
export function isWriteBehind(): boolean {
  return behind.getStore() === true;
}
