// The baseline the submit path is measured against: a bare Fastify route doing one SQLite insert, with
// the same durability settings Loopgate uses (WAL, synchronous=FULL), so the ratio shows what the
// gateway itself costs on top of "accept JSON, write one row".
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import Fastify from "fastify";

const dir = process.argv[2];
const db = new Database(join(dir, "baseline.db"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.exec(
  "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
);
const insert = db.prepare("INSERT INTO items (id, body, created_at) VALUES (?, ?, ?)");

const app = Fastify();
app.post("/insert", async (request, reply) => {
  const id = randomUUID();
  insert.run(id, JSON.stringify(request.body), Date.now());
  return reply.code(201).send({ id });
});
await app.listen({ port: 0, host: "127.0.0.1" });
process.send?.({ port: app.server.address().port });
