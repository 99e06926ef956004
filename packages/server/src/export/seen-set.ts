import { createHash } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import { canonicalJson } from "../canonical-json.js";

/** Page cache of the dedup set, in KiB: the most memory it takes however many rows an export has. */
const CACHE_KIB = 8192;

/**
 * The contents an export has already written, for exact deduplication in flat memory. A Set in the heap
 * would grow by ~100 bytes a row (100 MB per million); this keeps one 32-byte sha256 per distinct row in
 * a private temporary SQLite database (filename ""), which SQLite keeps in its page cache until that is
 * full and then spills to an unlinked temporary file, deleted when closed (or when the process dies).
 * The digest is of the canonical JSON (keys sorted), so key order never makes two equal rows differ.
 */
export class SeenSet {
  readonly #db: BetterSqlite3.Database;
  readonly #insert: BetterSqlite3.Statement<[Buffer]>;
  readonly #addAll: (keys: Buffer[]) => boolean[];

  constructor() {
    this.#db = new BetterSqlite3("");
    // Scratch data: nothing to recover after a crash, so no journal and no fsync.
    this.#db.pragma("journal_mode = OFF");
    this.#db.pragma("synchronous = OFF");
    this.#db.pragma(`cache_size = -${CACHE_KIB}`);
    this.#db.exec("CREATE TABLE seen (digest BLOB PRIMARY KEY) WITHOUT ROWID");
    this.#insert = this.#db.prepare("INSERT OR IGNORE INTO seen (digest) VALUES (?)");
    // One transaction per batch: a statement per row outside one would each be its own transaction.
    this.#addAll = this.#db.transaction((keys: Buffer[]) =>
      keys.map((k) => this.#insert.run(k).changes === 1),
    );
  }

  /** The digest of a row's identity (any JSON value). */
  static digest(identity: unknown): Buffer {
    return createHash("sha256").update(canonicalJson(identity)).digest();
  }

  /** Adds each digest; for each, whether it was new (false: an earlier row had the same content). */
  addAll(digests: Buffer[]): boolean[] {
    return this.#addAll(digests);
  }

  close(): void {
    this.#db.close();
  }
}
