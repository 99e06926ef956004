import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { TestStorage } from "./server.js";

/**
 * One statement straight into the database, around the server, as someone with SQL access would write
 * it (`?` placeholders on both engines): the tampering the audit chain must reveal.
 */
export async function rawSql(storage: TestStorage, text: string, params: unknown[]): Promise<void> {
  if (storage.engine === "sqlite") {
    const conn = new Database(join(storage.dataDir, "loopgate.db"));
    try {
      conn.prepare(text).run(...params);
    } finally {
      conn.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: storage.databaseUrl });
  await client.connect();
  try {
    let n = 0;
    await client.query(
      text.replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
}
