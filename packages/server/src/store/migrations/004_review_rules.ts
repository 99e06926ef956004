import type { Kysely, Migration } from "kysely";

/**
 * Review rules (friction where risk is high): the authority roles of people and keys (JSON arrays of
 * role names, null = none), and the reviewer a workflow owner assigned a case to (null = anyone).
 */
export function reviewRulesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("users").addColumn("authority_roles", "text").execute();
      await db.schema.alterTable("api_keys").addColumn("authority_roles", "text").execute();
      await db.schema.alterTable("cases").addColumn("assigned_to", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("cases").dropColumn("assigned_to").execute();
      await db.schema.alterTable("api_keys").dropColumn("authority_roles").execute();
      await db.schema.alterTable("users").dropColumn("authority_roles").execute();
    },
  };
}
