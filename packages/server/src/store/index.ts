import { openPostgres } from "./postgres.js";
import { namespaced, SqlStore } from "./queries.js";
import { openSqlite } from "./sqlite.js";
import type { Store } from "./types.js";

export * from "./types.js";

/**
 * Opens the store: PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL (tables in
 * `schema`, default "public", created by `migrate()` if missing), else the embedded SQLite file
 * `${dataDir}/loopgate.db` (default dataDir `./.loopgate`, created if missing).
 *
 * The caller applies migrations: `await store.migrate()` before first use.
 *
 * @example
 * const store = await openStore({ databaseUrl: process.env.LOOPGATE_DATABASE_URL });
 * await store.migrate();
 */
export async function openStore(opts: {
  dataDir?: string;
  databaseUrl?: string;
  schema?: string;
}): Promise<Store> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      // Refuse rather than fall back to SQLite: a typo would otherwise split data across two databases.
      throw new Error("the database URL must start with postgres:// or postgresql:// (unset it for SQLite)");
    }
    return namespaced(new SqlStore(await openPostgres(url, opts.schema)));
  }
  return namespaced(new SqlStore(await openSqlite(opts.dataDir ?? "./.loopgate")));
}
export type { CalibrationRow, DecisionSupportRow, LearningWindow } from "./learning-queries.js";
export { isShadow } from "./oversight-queries.js";
export { APPROVING } from "./review-queries.js";
