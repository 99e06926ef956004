import type { Selectable } from "kysely";
import type { SuspensionsTable } from "../schema.js";
import type { SuspensionRecord } from "./types.js";

/** The whole workflow is stored as action "" (migration 019 says why); records say null. */
export const WHOLE_WORKFLOW = "";

export function rowToSuspension(r: Selectable<SuspensionsTable>): SuspensionRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    action: r.action === WHOLE_WORKFLOW ? null : r.action,
    reason: r.reason,
    suspendedBy: r.suspended_by,
    suspendedAt: Number(r.suspended_at),
    resumedBy: r.resumed_by,
    resumedAt: r.resumed_at === null ? null : Number(r.resumed_at),
    resumeNote: r.resume_note,
  };
}
