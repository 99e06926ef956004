import { SYSTEM_DECIDERS } from "@loopgate/core";
import type { Db } from "../rows.js";

/**
 * Human decisions on a workflow's real cases since `since` (revoked ones and the policy's and SLA's
 * left out): what an active-learning workflow's daily labelling budget counts.
 */
export async function countHumanDecisions(
  db: Db,
  args: { workflow: string; since: number },
): Promise<number> {
  const row = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
    .where("c.workflow", "=", args.workflow)
    .where("c.gold_id", "is", null)
    .where("c.overlap_of", "is", null)
    .where("d.decided_at", ">=", args.since)
    .where("d.decided_by", "not in", [...SYSTEM_DECIDERS])
    .where("d.revoked_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
