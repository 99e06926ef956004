import { type Kysely, type Migration, sql } from "kysely";

/**
 * A claim survives a lost response (issue 13, item 11): the client may send a token with its claim,
 * kept on the case while the lease lasts, so repeating the claim with the same token finds the same
 * lease instead of taking a second case and stranding the first until its lease ends. Indexed by the
 * holder first: a token is looked up only among the cases its own reviewer holds.
 */
export function claimTokenMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("cases").addColumn("claim_token", "text").execute();
      await db.schema
        .createIndex("cases_claim_token")
        .on("cases")
        .columns(["lease_holder", "claim_token"])
        .where(sql.ref("claim_token"), "is not", null)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("cases_claim_token").execute();
      await db.schema.alterTable("cases").dropColumn("claim_token").execute();
    },
  };
}
