import type pg from "pg";

/** What Kysely's PostgreSQL dialect uses of a pool. */
export type ClientPool = Pick<pg.Pool, "connect" | "end">;

/**
 * `pool`, whose clients get `wrap` once each (pg hands the same client out again and again): how the
 * store changes what a client does with a query (prepared-statements.ts, pinned-begin.ts) without
 * forking Kysely's dialect.
 */
export function wrapClients(pool: ClientPool, wrap: (client: pg.PoolClient) => void): ClientPool {
  const wrapped = new WeakSet<pg.PoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      if (!wrapped.has(client)) {
        wrapped.add(client);
        wrap(client);
      }
      return client;
    },
    end: () => pool.end(),
  } as ClientPool;
}
