import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type Dialect, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import type { StoreEngine } from "./engine.js";
import type { Database } from "./schema.js";
import { GroupCommitSqliteDriver, whenUnlocked } from "./sqlite-driver.js";

/**
 * SQLite, the embedded engine: one file, better-sqlite3. What differs from PostgreSQL, and why:
 *
 * - Claims need no row lock: a transaction has the writer to itself from its BEGIN to its end, inside a
 *   group that holds the database's write lock (BEGIN IMMEDIATE). Nobody can take a row between our
 *   select and update.
 * - Transactions are committed in groups, one fsync for many (sqlite-driver.ts); plain reads use a
 *   read-only connection that sees only what is committed.
 * - Waiting for that write lock happens here, asynchronously, instead of in SQLite's busy handler.
 * - Kysely is told that DDL is transactional (it is, in SQLite), so migrations run under that same lock.
 */

export async function openSqlite(dataDir: string): Promise<StoreEngine> {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, "loopgate.db"));
  const sqlite = new BetterSqlite3(file);
  // better-sqlite3 is synchronous, so SQLite's own busy handler would sleep on the event-loop thread:
  // every request in the process would freeze while it waits, and if the lock holder is another
  // connection in this same process (tests, CLI beside the server), that holder could not even finish
  // until the wait timed out. So SQLite gives up at once and `whenUnlocked` waits with timers instead.
  sqlite.pragma("busy_timeout = 0");
  // WAL: readers never wait for the writer, and a commit is one append to the log.
  await whenUnlocked(() => sqlite.pragma("journal_mode = WAL"));
  // A 201 on submit promises the case is on disk: FULL fsyncs the log at every commit (NORMAL, the
  // usual WAL setting, may lose the last transactions on power loss).
  sqlite.pragma("synchronous = FULL");
  // Off by default in SQLite, per connection; decisions, events and outbox rows reference their case.
  sqlite.pragma("foreign_keys = ON");

  // Plain reads: WAL lets them see the committed database while the writer works (sqlite-driver.ts).
  const readOnly = new BetterSqlite3(file, { readonly: true });
  readOnly.pragma("busy_timeout = 0");
  const db = new Kysely<Database>({ dialect: sqliteDialect(sqlite, readOnly) });
  return {
    name: "sqlite",
    db,
    description: `SQLite at ${file}`,
    groupCommit: true,
    // Already exclusive: the transaction has the only writer, inside the database's only write lock,
    // so nobody can take or change a row between our select and our update.
    lockForClaim: (query) => query,
    claimPage: 4,
    // SQLite plans by its indexes whatever its statistics say: nothing to pin.
    claimTransaction: (work) => db.transaction().execute(work),
    lockRow: (query) => query,
  };
}

function sqliteDialect(sqlite: BetterSqlite3.Database, readOnly: BetterSqlite3.Database): Dialect {
  return {
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createDriver: () => new GroupCommitSqliteDriver(sqlite, readOnly),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  // Kysely's SQLite adapter says false, so its Migrator would run migrations outside any transaction:
  // two processes starting together would both create the tables. SQLite's DDL is transactional, and
  // our transactions take the write lock first, so the second migrator waits and then finds them done.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
