import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
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
  const file = resolve(join(dataDir, "loopgate.db"));
  createPrivately(dataDir, file);
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
    // One process owns the file: there is no one to notify.
    notifyingTransaction: (_notice, work) => db.transaction().execute(work),
    notifyAtCommit: () => false,
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

/**
 * The database holds webhook signing secrets, the CSRF key and password hashes in plain text, so only
 * the server's own user may read it: the directory is made 0700 when we create it, the file 0600
 * before SQLite first opens it. SQLite creates the -wal and -shm files with the database file's mode,
 * so they follow; files left more open by an older version are tightened here too. An existing
 * directory keeps its mode (it may be the operator's own, shared with other things).
 */
function createPrivately(dataDir: string, file: string): void {
  if (mkdirSync(dataDir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dataDir, 0o700);
  closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * Copies the database in `dataDir` to `destination` (created 0600) with SQLite's online backup API, while
 * a server may be writing to it: the copy is one consistent snapshot. The first step copies a few pages;
 * a write by the server in between restarts the copy, whose next step then takes every remaining page
 * at once under one read transaction (in WAL mode a reader never blocks the writer).
 */
export async function backupSqlite(dataDir: string, destination: string): Promise<{ pages: number }> {
  const file = resolve(join(dataDir, "loopgate.db"));
  if (!existsSync(file)) throw new Error(`no Loopgate database at ${file}`);
  const source = new BetterSqlite3(file, { fileMustExist: true });
  try {
    source.pragma("busy_timeout = 5000");
    closeSync(openSync(destination, "w", 0o600));
    chmodSync(destination, 0o600);
    const result = await source.backup(destination, { progress: () => 1 << 30 });
    chmodSync(destination, 0o600);
    return { pages: result.totalPages };
  } finally {
    source.close();
  }
}
