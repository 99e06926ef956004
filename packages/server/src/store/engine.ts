import type { Kysely, SelectQueryBuilder } from "kysely";
import type { Db, Tx } from "./rows.js";
import type { Database } from "./schema.js";

export type EngineName = "sqlite" | "postgres";

/** Adds a row lock to a select; what that lock is differs per engine. */
export type Lock = <TB extends keyof Database, O>(
  query: SelectQueryBuilder<Database, TB, O>,
) => SelectQueryBuilder<Database, TB, O>;

/** `pg_notify(channel, payload)` for each payload, sent with a transaction's COMMIT. */
export interface TransactionNotice {
  channel: string;
  payloads: string[];
}

/**
 * What one database engine contributes; everything else is the shared queries of the aggregate
 * folders. `sqlite.ts` and `postgres.ts` each build one of these, and each difference is named here.
 */
export interface StoreEngine {
  readonly name: EngineName;
  readonly db: Kysely<Database>;
  /** For `Store.describe()`: where the data lives, without credentials. */
  readonly description: string;
  /** The schema Kysely's own migration tables live in, when the engine has schemas. */
  readonly migrationTableSchema?: string;
  /**
   * Commit concurrent case submissions together (see group-commit.ts): a batch is one transaction with
   * one statement per table (cases/insert.ts), so N submits pay one commit and a handful of statements
   * instead of N of each. SQLite has a single writer and an fsync per commit; PostgreSQL commits in
   * parallel, but every statement and commit is a round trip and a commit waits for its WAL flush.
   */
  readonly groupCommit?: boolean;
  /**
   * Makes a "pick rows to take" select safe against concurrent takers in other transactions: no two
   * open transactions can both return the same row, and a row another taker holds is passed over.
   */
  readonly lockForClaim: Lock;
  /**
   * How many waiting cases a claim reads from the head of a workflow's queue at a time. Where claims run
   * in parallel (PostgreSQL), concurrent claimers meet at the head: a page must outnumber them, or they
   * would all page on past one another's cases. Where claims run one at a time (SQLite), the first
   * case the reviewer may take is always free, and a few suffice.
   */
  readonly claimPage: number;
  /**
   * Runs a claim's transaction. Where the engine's planner needs telling, the transaction is pinned to
   * the claim's plans first: the claim's statements must read the head of the queue by index however
   * stale the table's statistics are (a planner that believes the table empty would rather sort a
   * million waiting cases).
   */
  readonly claimTransaction: <T>(work: (trx: Db) => Promise<T>) => Promise<T>;
  /**
   * Runs a transaction that tells the other processes of its changes at its commit (`pg_notify` of each
   * payload on `notice.channel`, sent with the COMMIT in one round trip), so they hear as it commits.
   * Without `notice`, or where no other process shares the data (SQLite), a plain transaction.
   */
  readonly notifyingTransaction: <T>(
    notice: TransactionNotice | undefined,
    work: (trx: Tx) => Promise<T>,
  ) => Promise<T>;
  /**
   * Inside `claimTransaction`, once the claim knows its case: `notice` rides with the claim's COMMIT as in
   * `notifyingTransaction`. False where it cannot (SQLite), and the caller publishes after the commit.
   */
  readonly notifyAtCommit: (notice: TransactionNotice) => boolean;
  /**
   * Locks one row until commit, waiting for any other holder (never skipping it, unlike the claim lock:
   * a timer or a revoke must act on the case, not pass it by).
   */
  readonly lockRow: Lock;
}
