import { type Grantor, grantIssue } from "../../grants.js";
import type { Role, UserRecord } from "../../store/index.js";
import type { AppContext } from "../context.js";
import { HttpProblem } from "../problem.js";
import { type Principal, principalLabel } from "./auth.js";

/**
 * 400 or 403 (problem+json naming the field) unless `creator` may create a key or user with `wanted`:
 * grants.ts says what is refused. `owner`, for a key that belongs to a user, bounds it too, and must
 * itself be within a scoped creator's workflows (else the creator could act as anyone through a key).
 */
export function requireGrant(
  ctx: AppContext,
  creator: Principal,
  wanted: { role: Role; workflows?: readonly string[] },
  owner?: UserRecord,
): void {
  const who = `this ${principalLabel(creator)}`;
  const grantors: Grantor[] = [{ who, reach: creator }];
  if (owner && owner.id !== creator.person) {
    // A key acts as the person it belongs to: a scoped creator may only speak for people inside its scope.
    const mine = creator.workflows;
    if (mine !== null && (owner.workflows === null || owner.workflows.some((w) => !mine.includes(w)))) {
      const detail = `scope: ${who} is scoped to ${mine.join(", ")}, so it cannot make a key for user ${owner.username}, who reaches further`;
      throw new HttpProblem(403, "Forbidden", detail, {
        field: "/user",
        errors: [{ field: "/user", message: detail }],
      });
    }
  }
  if (owner && owner.id !== creator.id) {
    grantors.push({ who: `user ${owner.username}, whose key it would be,`, reach: owner });
  }
  const known = new Set(ctx.policies().workflows.keys());
  const issue = grantIssue(wanted, known, grantors);
  if (!issue) return;
  const title = issue.status === 400 ? "Invalid request" : "Forbidden";
  throw new HttpProblem(issue.status, title, issue.message, {
    field: issue.field,
    errors: [{ field: issue.field, message: issue.message }],
  });
}
