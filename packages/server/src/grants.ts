import type { Role } from "./store/index.js";

/**
 * What a new key or user may be given (issue 11, item 5). Shared by `POST /v1/keys`, `POST /v1/users`
 * and the CLI, so every way of creating a principal refuses the same things:
 *
 * - a workflow list that is empty (it used to mean "every workflow": a scope must never widen by
 *   leaving it blank) or names a workflow no loaded policy defines (a typo would scope to nothing);
 * - more than a grantor holds: a role above its own, or, for a grantor scoped to some workflows, no
 *   list or a workflow outside its list. The grantors are the principal creating it (not for the CLI,
 *   which runs with the database's full power) and, for a key that belongs to a user, that user: a
 *   person's key never reaches further than the person.
 */

/** A role and a workflow scope: what a principal holds, or what a new one asks for. */
export interface Reach {
  role: Role;
  /** null = every workflow. */
  workflows: readonly string[] | null;
}

/** One who bounds a new principal's reach, and how to name them in a refusal ("this key (ops)"). */
export interface Grantor {
  who: string;
  reach: Reach;
}

/** Why the grant is refused: 400 for a malformed scope, 403 for more than a grantor holds. */
export interface GrantIssue {
  status: 400 | 403;
  /** JSON pointer into the request: /workflows, /workflows/N or /role. */
  field: string;
  message: string;
}

/** Admins may hand out any role; everyone else at most their own. */
function mayGrantRole(grantor: Role, role: Role): boolean {
  return grantor === "admin" || grantor === role;
}

/**
 * Why a new key or user may not have `wanted` (role, and workflows: undefined or null = every
 * workflow), or undefined when it may. `known` is the set of workflows the policies define.
 */
export function grantIssue(
  wanted: { role: Role; workflows?: readonly string[] | null },
  known: ReadonlySet<string>,
  grantors: readonly Grantor[],
): GrantIssue | undefined {
  const workflows = wanted.workflows ?? null;
  if (workflows !== null) {
    if (workflows.length === 0) {
      return {
        status: 400,
        field: "/workflows",
        message: "workflows must name at least one workflow (leave it out for every workflow)",
      };
    }
    const unknown = workflows.findIndex((w) => !known.has(w));
    if (unknown >= 0) {
      return {
        status: 400,
        field: `/workflows/${unknown}`,
        message: `workflow "${workflows[unknown]}" is not defined by any loaded policy`,
      };
    }
  }
  for (const { who, reach } of grantors) {
    if (!mayGrantRole(reach.role, wanted.role)) {
      return {
        status: 403,
        field: "/role",
        message: `scope: ${who} is ${reach.role}, so it cannot grant the ${wanted.role} role`,
      };
    }
    if (reach.workflows === null) continue;
    const mine = reach.workflows.join(", ");
    if (workflows === null) {
      return {
        status: 403,
        field: "/workflows",
        message: `scope: ${who} is scoped to ${mine}, so it cannot grant every workflow; name some of its workflows`,
      };
    }
    const outside = workflows.findIndex((w) => !reach.workflows?.includes(w));
    if (outside >= 0) {
      return {
        status: 403,
        field: `/workflows/${outside}`,
        message: `scope: ${who} is scoped to ${mine}, so it cannot grant workflow ${workflows[outside]}`,
      };
    }
  }
  return undefined;
}
