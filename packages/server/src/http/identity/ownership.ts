import type { Workflow } from "@loopgate/core";
import { ownerIs } from "../../owners.js";
import { HttpProblem } from "../problem.js";
import { canAccessWorkflow, type Principal, principalLabel } from "./auth.js";

/**
 * Workflow ownership, the one rule every owner's route uses (assign, revoke/revert, audits, gold sets,
 * alerts, catch trials, exports, thresholds, shadow reports). The owner is an identity: the user whose
 * username the policy's `owner` names, signed in or through a key that belongs to them (owners.ts).
 */

/** Whether `p` is the workflow's owner: that user, or one of their keys. Names never count. */
function isOwner(p: Principal, wf: Workflow): boolean {
  return p.username !== null && ownerIs(wf, p.username);
}

/**
 * What an owner's route lets its caller do. `read`: reports (shadow, thresholds, exports, catch
 * trials, alerts). `act`: changes (assign, revoke, draw audits, write gold sets, acknowledge alerts,
 * run the check). Roles still bound owners: an auditor owner may read, never act.
 */
type OwnerAccess = "read" | "act";

/** Whether `p` may use an owner's route on `wf`: an admin scoped to it, or its owner within their role. */
export function actsAsOwner(p: Principal, wf: Workflow, access: OwnerAccess): boolean {
  if (!canAccessWorkflow(p, wf.workflow)) return false;
  if (p.role === "admin") return true;
  return isOwner(p, wf) && (access === "read" || p.role !== "auditor");
}

/**
 * 403 unless `p` acts as the owner of `wf` (actsAsOwner). `others` names who else the route allows
 * (its own checks let them through before this), so the refusal says who may.
 */
export function requireOwner(
  p: Principal,
  wf: Workflow,
  access: OwnerAccess,
  what: string,
  others = "an admin",
): void {
  if (actsAsOwner(p, wf, access)) return;
  const detail =
    isOwner(p, wf) && canAccessWorkflow(p, wf.workflow)
      ? `ownership: ${wf.owner} owns workflow ${wf.workflow}, but this ${principalLabel(p)} has the read-only auditor role, so it may not ${what}`
      : `only the owner of workflow ${wf.workflow} (${wf.owner}) or ${others} may ${what}`;
  throw new HttpProblem(403, "Forbidden", detail);
}
