import { Conflict, NotFound } from "@loopgate/core";
import { insertEvents } from "../cases/events.js";
import { rowToCase, selectCase } from "../cases/rows.js";
import type { CaseRecord } from "../cases/types.js";
import type { Tx } from "../rows.js";

/**
 * Assignment by a workflow owner: only the assignee may claim the case until they decide it or give it
 * back (decide.ts clears it then).
 */
export async function assignCase(
  trx: Tx,
  args: { caseId: string; to: string; by: string; note: string | null; now: number },
): Promise<CaseRecord> {
  const { caseId, to, by, note, now } = args;
  const row = await trx.selectFrom("cases").selectAll().where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new NotFound(`case ${caseId} not found`);
  if (row.status === "decided") throw new Conflict(`case ${caseId} is already decided`);
  const liveHolder =
    row.status === "claimed" && row.lease_expires_at !== null && row.lease_expires_at > now
      ? row.lease_holder
      : null;
  // The assignee keeps a lease they already hold; anyone else's ends now.
  const keepLease = liveHolder === to;
  const set = keepLease
    ? { assigned_to: to }
    : {
        assigned_to: to,
        status: "queued",
        lease_id: null,
        lease_holder: null,
        claimed_at: null,
        lease_expires_at: null,
      };
  await trx.updateTable("cases").set(set).where("id", "=", caseId).execute();
  await insertEvents(trx, [
    {
      type: "assigned",
      caseId,
      actor: by,
      data: { to, from: liveHolder, previous: row.assigned_to, note },
      at: now,
    },
  ]);
  return rowToCase(await selectCase(trx, caseId));
}
