// Where each measurement keeps its data, made fresh and removed afterwards: a temporary directory for
// SQLite; for PostgreSQL a database of its own on the bench's server (`loopgate serve` always uses the
// schema "public" of the database in its URL, so a scratch schema would not do for it) or, for the bare
// baseline, a scratch schema of the bench's database. `direct()` opens the same data for seeding and
// counting beside the server: better-sqlite3 or one pg client, behind one small interface.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { config } from "./config.js";

const cleanups = new Map();
let serial = 0;

/** Removes every scratch database, schema and directory not yet dropped (on Ctrl-C and at the end). */
export async function dropAll() {
  for (const [name, drop] of cleanups) {
    try {
      await drop();
    } catch (err) {
      console.error(`bench: could not remove ${name}: ${err.message}`);
    }
  }
}

/** One query against the bench's own PostgreSQL database, on a connection opened for it. */
export async function pgQuery(sql, params = [], url = config.pgUrl) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Fresh storage for one Loopgate server of `engine`: `{ engine, dataDir | databaseUrl, name, drop() }`.
 * `label` goes into the name, so a database left behind by a killed run says what it was.
 */
export async function scratchStore(engine, label) {
  serial += 1;
  if (engine === "sqlite") {
    const dataDir = mkdtempSync(join(tmpdir(), `loopgate-bench-${label}-`));
    const drop = async () => {
      rmSync(dataDir, { recursive: true, force: true });
      cleanups.delete(dataDir);
    };
    cleanups.set(dataDir, drop);
    return { engine, dataDir, name: dataDir, drop };
  }
  const name = `loopgate_bench_${process.pid}_${serial}_${label.replace(/\W/g, "_")}`;
  await pgQuery(`CREATE DATABASE "${name}"`);
  const drop = async () => {
    await pgQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    cleanups.delete(name);
  };
  cleanups.set(name, drop);
  return { engine, databaseUrl: withDatabase(config.pgUrl, name), name, drop };
}

/** A scratch schema in the bench's database for the PostgreSQL baseline: `{ schema, drop() }`. */
export function scratchSchema(label) {
  serial += 1;
  const schema = `loopgate_bench_${process.pid}_${serial}_${label}`;
  const drop = async () => {
    await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    cleanups.delete(schema);
  };
  cleanups.set(schema, drop);
  return { schema, drop };
}

/**
 * Direct access to a scratch store, beside (or instead of) the server: `all`, `run` and
 * `transaction` take SQL with `?` placeholders on both engines. SQLite: its own connection with fsync
 * off (a fixture, not what is measured) that never blocks its thread waiting for the server's write
 * lock, but retries with timers, as Loopgate does. PostgreSQL: one client.
 */
export async function direct(store) {
  if (store.engine === "sqlite") {
    const db = new BetterSqlite3(join(store.dataDir, "loopgate.db"));
    db.pragma("busy_timeout = 0");
    db.pragma("synchronous = OFF");
    const retrying = async (fn) => {
      for (let waited = 0; ; waited += 5) {
        try {
          return fn();
        } catch (err) {
          if (!String(err.code).startsWith("SQLITE_BUSY") || waited > 30_000) throw err;
          await sleep(5);
        }
      }
    };
    return {
      engine: "sqlite",
      all: (sql, params = []) => retrying(() => db.prepare(sql).all(params)),
      run: (sql, params = []) => retrying(() => db.prepare(sql).run(params)),
      /** Runs `statements` ([sql, params] pairs) in one IMMEDIATE transaction. */
      transaction: (statements) =>
        retrying(() =>
          db
            .transaction(() => {
              for (const [sql, params = []] of statements) db.prepare(sql).run(params);
            })
            .immediate(),
        ),
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: store.databaseUrl });
  await client.connect();
  const numbered = (sql) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const all = async (sql, params = []) => (await client.query(numbered(sql), params)).rows;
  return {
    engine: "postgres",
    client,
    all,
    run: (sql, params = []) => client.query(numbered(sql), params),
    transaction: async (statements) => {
      await client.query("BEGIN");
      try {
        for (const [sql, params = []] of statements) await client.query(numbered(sql), params);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    },
    close: () => client.end(),
  };
}
