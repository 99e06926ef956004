import { CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { StoreEngine, TransactionNotice } from "./engine.js";
import { PinnedBegin } from "./pinned-begin.js";
import { SchemaScopedIntrospector } from "./postgres-introspector.js";
import { preparingPool } from "./prepared-statements.js";
import type { Database } from "./schema.js";

/**
 * PostgreSQL, for several Loopgate processes sharing one database. What differs from SQLite, and why:
 *
 * - Claims lock the rows they pick (FOR NO KEY UPDATE SKIP LOCKED): transactions really run in
 *   parallel here, and concurrent claimers should each get a different case instead of waiting in line.
 * - Every table lives in one schema, set as the search_path of each connection, so the shared queries
 *   stay unqualified and tests can give each file its own schema.
 * - int8 (our epoch-ms columns) is parsed to a JS number, for this pool only.
 * - Statements are prepared once per connection (prepared-statements.ts) unless `prepared` is false
 *   (LOOPGATE_PG_PREPARED=off: a connection pooler in transaction mode that cannot keep them).
 */

const INT8_OID = 20;

/** The claim's planner settings, for its transaction only (see claimTransaction). */
const PIN_CLAIM_PLANS = `select set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),
  set_config('enable_incremental_sort', 'off', true), set_config('enable_hashjoin', 'off', true),
  set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true)`;

export async function openPostgres(url: string, schema = "public", prepared = true): Promise<StoreEngine> {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name "${schema}": use letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    // pg returns int8 as a string because it can exceed 2^53. Epoch milliseconds, attempt counts and
    // event sequence numbers never will. A per-pool parser leaves other pg users in the process alone.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID && format !== "binary"
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that dies (server restart, network) is dropped from the pool and emits this; a
  // listener is required or Node exits. The next query opens a fresh connection and reports any failure.
  pool.on("error", () => {});

  const pins = new PinnedBegin();
  const dialect = new PostgresDialect({
    pool: pins.pool(prepared ? preparingPool(pool) : pool),
    onCreateConnection: async (connection) => {
      // The schema may not exist yet (migrate() creates it); PostgreSQL resolves the path per query.
      await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
    },
  });
  // The Migrator's table checks read our schema only (postgres-introspector.ts says why).
  dialect.createIntrospector = (kysely) => new SchemaScopedIntrospector(kysely, schema);
  const db = new Kysely<Database>({ dialect });

  return {
    name: "postgres",
    db,
    description: `PostgreSQL at ${withoutCredentials(url)} (schema ${schema})`,
    migrationTableSchema: schema,
    // SKIP LOCKED: a row another claimer is taking is passed over, so claimers never queue behind one
    // another. NO KEY UPDATE rather than UPDATE: the claim changes no key, and this weaker lock does
    // not conflict with the key-share locks that inserting an event (foreign key to the case) takes.
    lockForClaim: (query) => query.forNoKeyUpdate().skipLocked(),
    claimPage: 32,
    // Transactions run in parallel here, but each submit alone paid a BEGIN, a statement per table and a
    // COMMIT (a WAL flush), each a round trip. Grouped, a batch pays them once: with 16 concurrent
    // submitters, five times the submits per second (issue 12, item 4).
    groupCommit: true,
    // Statistics go stale (bulk loads, restores, autovacuum behind): estimating a few rows where a
    // million wait, the planner would scan and sort the queue. For the claim's transaction only, sorts
    // and sequential scans are priced out, which leaves the plans migration 013's indexes were made for;
    // hash and merge joins too, so the candidates' decisions are looked up by key (a nested loop).
    // The one sort that remains (≤ 32 candidates in queue order) then looks expensive enough to JIT-compile,
    // which costs a second per statement: so no JIT either.
    // BEGIN and the pins go together, one round trip (pinned-begin.ts), and the work runs in a real
    // Kysely transaction, so what it calls joins it rather than nesting a BEGIN and COMMIT inside it.
    claimTransaction: (work) => pins.run(PIN_CLAIM_PLANS, () => db.transaction().execute(work)),
    notifyingTransaction: (notice, work) => {
      if (!notice || notice.payloads.length === 0) return db.transaction().execute(work);
      return pins.with({ commit: notifyStatements(notice) }, () => db.transaction().execute(work));
    },
    notifyAtCommit: (notice) => notice.payloads.length > 0 && pins.atCommit(notifyStatements(notice)),
    // A timer, revoke or revert must act on its case, so it waits for the row instead of skipping it.
    lockRow: (query) => query.forNoKeyUpdate(),
  };
}

/** `select pg_notify(...)` per payload, as literals: sent as they are, ahead of the COMMIT. */
function notifyStatements({ channel, payloads }: TransactionNotice): string[] {
  const to = pg.escapeLiteral(channel);
  return payloads.map((p) => `select pg_notify(${to}, ${pg.escapeLiteral(p)})`);
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}
