import { type Kysely, type Migration, sql } from "kysely";

/**
 * People and browser sessions for the reviewer workspace, and a settings table for server-wide secrets.
 * Same portable column types as 001 (epoch ms in `bigint`, JSON as `text`).
 */
export function usersSessionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("username", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("workflows", "text")
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("disabled_at", "bigint")
        .execute();
      // "Alice" and "alice" are one person signing in; uniqueness lives in the database so two admins
      // creating the same user at once cannot both succeed. Usernames are ASCII (checked on create), so
      // SQLite's ASCII-only lower() and PostgreSQL's agree.
      await db.schema
        .createIndex("users_username_lower")
        .on("users")
        .expression(sql`lower(username)`)
        .unique()
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
        .addColumn("key_id", "text", (c) => c.references("api_keys.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
      // Clean-up deletes by expiry.
      await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();

      await db.schema
        .createTable("settings")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ["settings", "sessions", "users"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
