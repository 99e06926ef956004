// Filling a queue fast: a case submitted through the API is the template, and its rows are copied in
// SQL (a recursive CTE on SQLite, generate_series on PostgreSQL) with fresh ids and increasing times.
// Which rows a waiting case needs is read from the schema, not listed here: the case row and every row
// of every table with a `case_id` column that references the template (today its `submitted` and
// `routed` events). So a side table another change adds for the queue is copied too.

/** Columns whose value a copy takes from its copy number rather than from the template. */
const TIME_COLUMNS = new Set(["created_at", "at"]);

/**
 * The tables a copy writes and their columns, in insert order (cases first): `[{ table, key, columns }]`
 * with `key` the column naming the case. Generated keys (events.seq) are left to the database.
 */
async function caseTables(db) {
  const byTable = new Map();
  if (db.engine === "sqlite") {
    const tables = await db.all(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'",
    );
    for (const { name } of tables) {
      const cols = await db.all("SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)", [name]);
      const pks = cols.filter((c) => c.pk > 0);
      // An INTEGER PRIMARY KEY alone is the rowid: SQLite numbers it.
      const rowid = pks.length === 1 && pks[0].type.toUpperCase() === "INTEGER" ? pks[0].name : null;
      byTable.set(
        name,
        cols.filter((c) => c.hidden === 0 && c.name !== rowid).map((c) => c.name),
      );
    }
  } else {
    const cols = await db.all(
      `SELECT table_name, column_name, column_default, is_identity, is_generated
         FROM information_schema.columns WHERE table_schema = current_schema()
        ORDER BY table_name, ordinal_position`,
    );
    for (const c of cols) {
      if (c.table_name.startsWith("kysely_")) continue;
      const generated =
        c.is_identity === "YES" || c.is_generated === "ALWAYS" || /^nextval\(/.test(c.column_default ?? "");
      if (!byTable.has(c.table_name)) byTable.set(c.table_name, []);
      if (!generated) byTable.get(c.table_name).push(c.column_name);
    }
  }
  const tables = [{ table: "cases", key: "id", columns: byTable.get("cases") }];
  for (const [table, columns] of byTable) {
    if (table !== "cases" && columns.includes("case_id")) tables.push({ table, key: "case_id", columns });
  }
  return tables;
}

/** The SELECT list of a copy: `n.i` is the copy number, `src` the template's row. */
function copyExpressions({ table, columns }, tag, startAt) {
  const caseId = `'case_bench_${tag}_' || n.i`;
  return columns.map((c) => {
    if ((table === "cases" && c === "id") || c === "case_id") return caseId;
    if (c === "id") return `src.id || '_${tag}_' || n.i`;
    if (TIME_COLUMNS.has(c)) return `${startAt} + n.i`;
    return `src.${c}`;
  });
}

function copyStatement(engine, spec, tag, startAt, from, to) {
  const insert = `INSERT INTO ${spec.table} (${spec.columns.join(", ")}) SELECT ${copyExpressions(spec, tag, startAt).join(", ")}`;
  if (engine === "sqlite") {
    return `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})
      ${insert} FROM n CROSS JOIN ${spec.table} AS src WHERE src.${spec.key} = ?`;
  }
  return `${insert} FROM generate_series(${from}::bigint, ${to - 1}::bigint) AS n(i)
    CROSS JOIN ${spec.table} AS src WHERE src.${spec.key} = ?`;
}

/**
 * Copies the case `template` (and its rows) `count` times, copy numbers `from`…`from + count - 1`,
 * created at `startAt + copy number` ms, in transactions of `chunk` copies. `tag` makes the ids unique
 * to this run; `onChunk(done)` reports progress. Returns the tables written.
 */
export async function copyCases(db, { template, tag, from, count, startAt, chunk = 50_000, onChunk }) {
  const tables = await caseTables(db);
  const present = [];
  for (const spec of tables) {
    const [{ n }] = await db.all(`SELECT count(*) AS n FROM ${spec.table} WHERE ${spec.key} = ?`, [template]);
    if (Number(n) > 0) present.push(spec);
  }
  for (let at = from; at < from + count; at += chunk) {
    const to = Math.min(from + count, at + chunk);
    await db.transaction(
      present.map((spec) => [copyStatement(db.engine, spec, tag, startAt, at, to), [template]]),
    );
    onChunk?.(to - from);
  }
  return present.map((s) => s.table);
}

/** Cases of `workflow` waiting for a reviewer (queued; a lease that expired is not counted). */
export async function queueDepth(db, workflow) {
  const [{ n }] = await db.all("SELECT count(*) AS n FROM cases WHERE workflow = ? AND status = 'queued'", [
    workflow,
  ]);
  return Number(n);
}
