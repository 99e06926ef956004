// The durable physical limit the submit path is measured against (`npm run bench`, bench/suites/submit.js):
// a bare Fastify route that stores the request body as one row and answers 201 only once that row is
// committed with fsync, with concurrent requests grouped into one transaction: requests arriving while
// a commit is in flight are committed together in the next one. That is what group commit buys Loopgate
// too, so the ratio shows what the gateway costs on top of "accept JSON, write one row durably".
//
//   node bench/baseline-server.js sqlite DIR              SQLite file in DIR, WAL, synchronous=FULL
//   node bench/baseline-server.js postgres URL SCHEMA     table in SCHEMA (created), synchronous_commit on
//
// Sends `{ port }` to its parent (fork) once listening.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import Fastify from "fastify";
import pg from "pg";

/** Rows are `[id, body, createdAt]`; `commit(rows)` writes them in one durable transaction. */
async function sqliteCommit(dir) {
  const db = new BetterSqlite3(join(dir, "baseline.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL"); // fsync of the log at every commit, as Loopgate does
  db.exec("CREATE TABLE items (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)");
  const insert = db.prepare("INSERT INTO items (id, body, created_at) VALUES (?, ?, ?)");
  const commit = db.transaction((rows) => {
    for (const row of rows) insert.run(row);
  });
  return async (rows) => commit(rows);
}

async function postgresCommit(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(
    `CREATE TABLE "${schema}".items (id text PRIMARY KEY, body text NOT NULL, created_at int8 NOT NULL)`,
  );
  // One statement is one transaction; with synchronous_commit on (the default) COMMIT waits for the
  // WAL flush, so the answer means on disk.
  const sql = `INSERT INTO "${schema}".items (id, body, created_at) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])`;
  return async (rows) => {
    await client.query(sql, [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  };
}

/**
 * Group commit: one transaction in flight at a time; whatever arrives meanwhile waits for the next,
 * and each caller resolves (or fails) with the transaction that holds its row.
 */
function grouped(commit) {
  let pending = [];
  let running = false;
  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await commit(batch.map((b) => b.row));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    running = false;
  };
  return (row) =>
    new Promise((resolve, reject) => {
      pending.push({ row, resolve, reject });
      if (!running) {
        running = true;
        // Let the requests already parsed in this turn of the event loop join the first batch.
        setImmediate(drain);
      }
    });
}

const [engine, ...target] = process.argv.slice(2);
const commit =
  engine === "sqlite"
    ? await sqliteCommit(target[0])
    : engine === "postgres"
      ? await postgresCommit(target[0], target[1])
      : undefined;
if (!commit) throw new Error(`usage: baseline-server.js sqlite DIR | postgres URL SCHEMA (got "${engine}")`);
const write = grouped(commit);

const app = Fastify();
app.post("/insert", async (request, reply) => {
  const id = randomUUID();
  await write([id, JSON.stringify(request.body), Date.now()]);
  return reply.code(201).send({ id });
});
await app.listen({ port: 0, host: "127.0.0.1" });
process.send?.({ port: app.server.address().port });
