import type { Kysely, SelectQueryBuilder } from "kysely";
import type { Database } from "./schema.js";

export type EngineName = "sqlite" | "postgres";

/** Adds a row lock to a select; what that lock is differs per engine. */
export type Lock = <TB extends keyof Database, O>(
  query: SelectQueryBuilder<Database, TB, O>,
) => SelectQueryBuilder<Database, TB, O>;

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
   * Commit concurrent case submissions together (see group-commit.ts). Worth it where the engine has a
   * single writer and pays one fsync per transaction (SQLite); PostgreSQL commits in parallel anyway.
   */
  readonly groupCommit?: boolean;
  /**
   * Makes a "pick rows to take" select safe against concurrent takers in other transactions: no two
   * open transactions can both return the same row, and a row another taker holds is passed over.
   */
  readonly lockForClaim: Lock;
  /**
   * Locks one row until commit, waiting for any other holder (never skipping it, unlike the claim lock:
   * a timer or a revoke must act on the case, not pass it by).
   */
  readonly lockRow: Lock;
}
