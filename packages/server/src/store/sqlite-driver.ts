import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from "kysely";

/**
 * The SQLite driver: one writing connection shared by turns, with group commit, and a read-only
 * connection for plain reads.
 *
 * Group commit: a commit with synchronous=FULL is an fsync, and one fsync per transaction caps a disk at
 * a few hundred transactions a second whatever the CPU could do. So transactions that follow one another
 * on the writer join one open database transaction, each inside a SAVEPOINT of its own (its rollback
 * undoes only its own work), and a single COMMIT makes the whole group durable. Nobody hears back before
 * that COMMIT: a transaction's commit resolves, and a plain write's result returns, only once its group
 * is on disk, so "2xx means committed with fsync" holds. The group commits as soon as nobody is waiting
 * for the writer, or once it holds `MAX_GROUP` transactions.
 *
 * Plain reads (outside any transaction) go to the read-only connection: in WAL mode it sees exactly the
 * committed groups, never a transaction whose group is not yet on disk, and never waits for the writer.
 */

/** How long a statement may wait for another connection (or process) to release the write lock. */
const LOCK_WAIT_MS = 5_000;
/** Transactions one COMMIT may carry: bounds how long the first of them waits for its answer. */
const MAX_GROUP = 64;
/** Prepared statements kept per SQL text: the store's queries are few and repeat on every request. */
const STATEMENT_CACHE_SIZE = 200;

interface Group {
  members: number;
  durable: Promise<void>;
  settle: (error?: unknown) => void;
}

export class GroupCommitSqliteDriver implements Driver {
  readonly #writer: Statements;
  readonly #reader: Statements;
  /** Turns on the writer, FIFO; a due group commit goes first. */
  readonly #waiting: Array<() => void> = [];
  #busy = false;
  #group: Group | undefined;
  #flushScheduled = false;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly readOnly: BetterSqlite3.Database,
  ) {
    this.#writer = new Statements(sqlite);
    this.#reader = new Statements(readOnly);
  }

  async init(): Promise<void> {}

  /** A connection as Kysely sees one; it takes the writer only when it begins to write. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new Turn(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Turn).end();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Turn).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Turn).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Turn).rollback();
  }

  async destroy(): Promise<void> {
    await this.#flush();
    this.sqlite.close();
    this.readOnly.close();
  }

  /** Waits for the writer; `first` puts the caller ahead of everyone waiting (a due group commit). */
  takeTurn(first = false): Promise<void> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => (first ? this.#waiting.unshift(resolve) : this.#waiting.push(resolve)));
  }

  /** Hands the writer to the next in line; with nobody waiting, an open group commits. */
  passTurn(): void {
    const next = this.#waiting.shift();
    if (next) {
      next();
      return;
    }
    this.#busy = false;
    if (this.#group && !this.#flushScheduled) {
      this.#flushScheduled = true;
      // A turn later, so the requests whose handlers are already running can still join this group.
      setImmediate(() => void this.#flush());
    }
  }

  /** Opens a group if none is open; the caller holds the writer. */
  async joinGroup(): Promise<Group> {
    if (!this.#group) {
      await whenUnlocked(() => this.sqlite.exec("begin immediate"));
      let settle!: Group["settle"];
      const durable = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      // A member whose caller has gone (a rolled-back request) must not make the rejection unhandled.
      durable.catch(() => {});
      this.#group = { members: 0, durable, settle };
    }
    this.#group.members += 1;
    return this.#group;
  }

  /** Whether the open group is full, so the next COMMIT should not wait for the line to empty. */
  get groupFull(): boolean {
    return (this.#group?.members ?? 0) >= MAX_GROUP;
  }

  /** Commits the open group, if any: one fsync for all its members. */
  async #flush(first = false): Promise<void> {
    await this.takeTurn(first);
    this.#flushScheduled = false;
    const group = this.#group;
    this.#group = undefined;
    try {
      if (group) {
        try {
          await whenUnlocked(() => this.sqlite.exec("commit"));
          group.settle();
        } catch (error) {
          // Nothing of the group is on disk: every member hears so, and the transaction ends.
          if (this.sqlite.inTransaction) this.sqlite.exec("rollback");
          group.settle(error);
        }
      }
    } finally {
      this.passTurn();
    }
  }

  /** Commits the full group ahead of everyone waiting. */
  flushNow(): void {
    void this.#flush(true);
  }

  run<R>(compiled: CompiledQuery, inTransaction: boolean): Promise<QueryResult<R>> {
    return (inTransaction ? this.#writer : this.#reader).run<R>(compiled);
  }

  /** Asked of the writer, which knows every table, also those a group has created and not committed. */
  isReader(compiled: CompiledQuery): boolean {
    return this.#writer.isReader(compiled.sql);
  }
}

/**
 * One use of the database, as Kysely sees a connection: a transaction, or a single statement. It holds
 * the writer from its BEGIN (or its plain write) until its work is in the group, and no longer.
 */
class Turn implements DatabaseConnection {
  #group: Group | undefined;
  #inTransaction = false;
  #holding = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#inTransaction) return this.driver.run<R>(compiled, true);
    if (this.driver.isReader(compiled)) return this.driver.run<R>(compiled, false);
    // A plain write: a transaction of one statement, answered once its group is on disk.
    await this.begin();
    let result: QueryResult<R>;
    try {
      result = await this.driver.run<R>(compiled, true);
    } catch (error) {
      await this.rollback();
      this.end();
      throw error;
    }
    await this.commit();
    return result;
  }

  async begin(): Promise<void> {
    await this.driver.takeTurn();
    this.#holding = true;
    this.#group = await this.driver.joinGroup();
    await this.driver.run(CompiledQuery.raw("savepoint loopgate_tx"), true);
    this.#inTransaction = true;
  }

  async commit(): Promise<void> {
    await this.driver.run(CompiledQuery.raw("release savepoint loopgate_tx"), true);
    this.#inTransaction = false;
    const group = this.#group as Group;
    // The writer goes to the next transaction while this one waits for its group's COMMIT.
    const full = this.driver.groupFull;
    this.end();
    if (full) this.driver.flushNow();
    await group.durable;
  }

  async rollback(): Promise<void> {
    // Not in a transaction: its group's COMMIT failed after its own work was done; nothing to undo here.
    if (!this.#inTransaction) return;
    await this.driver.run(CompiledQuery.raw("rollback to savepoint loopgate_tx"), true);
    await this.driver.run(CompiledQuery.raw("release savepoint loopgate_tx"), true);
    this.#inTransaction = false;
  }

  end(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.driver.passTurn();
  }

  // biome-ignore lint/correctness/useYield: the store never streams; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported by the Loopgate SQLite driver");
  }
}

/** A connection's prepared statements, kept per SQL text. */
class Statements {
  readonly #cache = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      // Multi-row inserts vary in shape; a full cache is simply emptied rather than grown without bound.
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#cache.clear();
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  isReader(sql: string): boolean {
    return this.#prepare(sql).reader;
  }

  run<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return whenUnlocked(() => {
      const statement = this.#prepare(compiled.sql);
      const parameters = compiled.parameters as unknown[];
      if (statement.reader) return { rows: statement.all(...parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(...parameters);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    });
  }
}

/**
 * Runs a statement, retrying while another connection holds the write lock. Retrying is safe: a
 * statement that fails with SQLITE_BUSY has done nothing (and a BEGIN IMMEDIATE has begun nothing).
 */
export async function whenUnlocked<T>(run: () => T): Promise<T> {
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
