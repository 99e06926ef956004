import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type { StoreEngine } from "./engine.js";
import type { Database } from "./schema.js";

/**
 * SQLite, the embedded engine: one file, better-sqlite3. What differs from PostgreSQL, and why:
 *
 * - Claims need no row lock: every transaction starts with BEGIN IMMEDIATE, so it is the database's
 *   single writer from its first read to its commit. Nobody can take a row between our select and update.
 * - Waiting for that write lock happens here, asynchronously, instead of in SQLite's busy handler.
 * - Kysely is told that DDL is transactional (it is, in SQLite), so migrations run under that same lock.
 */

/** How long a statement may wait for another connection (or process) to release the write lock. */
const LOCK_WAIT_MS = 5_000;

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

  const db = new Kysely<Database>({ dialect: sqliteDialect(sqlite) });
  return {
    name: "sqlite",
    db,
    description: `SQLite at ${file}`,
    groupCommit: true,
    // Already exclusive: the transaction holds the database's only write lock (BEGIN IMMEDIATE below),
    // so nobody can take or change a row between our select and our update.
    lockForClaim: (query) => query,
    lockRow: (query) => query,
  };
}

function sqliteDialect(sqlite: BetterSqlite3.Database): Dialect {
  return {
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver(sqlite),
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

/** One connection, used by one caller at a time; transactions begin IMMEDIATE. */
class ImmediateSqliteDriver implements Driver {
  readonly #connection: SqliteConnection;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    this.#connection = new SqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  // IMMEDIATE takes the write lock now rather than at the first write. A DEFERRED transaction that read
  // and then tried to write could fail with SQLITE_BUSY_SNAPSHOT (another writer committed in between),
  // which no amount of waiting fixes; and it is what makes select-then-update claims exclusive.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async destroy(): Promise<void> {
    this.sqlite.close();
  }
}

/** Prepared statements kept per SQL text: the store's queries are few and repeat on every request. */
const STATEMENT_CACHE_SIZE = 200;

class SqliteConnection implements DatabaseConnection {
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      // Multi-row inserts vary in shape; a full cache is simply emptied rather than grown without bound.
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return whenUnlocked(() => {
      const statement = this.#prepare(compiled.sql);
      const parameters = compiled.parameters as unknown[];
      if (statement.reader) return { rows: statement.all(...parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(...parameters);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    });
  }

  // biome-ignore lint/correctness/useYield: the store never streams; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported by the Loopgate SQLite driver");
  }
}

/**
 * Runs a statement, retrying while another connection holds the write lock. Retrying is safe: a
 * statement that fails with SQLITE_BUSY has done nothing (and a BEGIN IMMEDIATE has begun nothing).
 */
async function whenUnlocked<T>(run: () => T): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return run();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await sleep(Math.min(25, 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof BetterSqlite3.SqliteError && error.code.startsWith("SQLITE_BUSY");
}
