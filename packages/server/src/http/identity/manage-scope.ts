import type { Principal } from "./auth.js";

/**
 * Whether something scoped to `workflows` (null = every workflow) lies within `p`'s scope: an unscoped
 * principal reaches everything; a scoped one only what names none but its own workflows. Managing a
 * key or a person (revoke, rotate, disable, reset a password) needs this, so a scoped admin never acts
 * on anyone who reaches further than it does.
 */
export function withinScope(p: Principal, workflows: readonly string[] | null): boolean {
  const mine = p.workflows;
  if (mine === null) return true;
  if (workflows === null) return false;
  return workflows.every((w) => mine.includes(w));
}
