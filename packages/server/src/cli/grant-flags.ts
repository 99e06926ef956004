import { resolve } from "node:path";
import { type Grantor, grantIssue } from "../grants.js";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import type { Role, UserRecord } from "../store/index.js";

/**
 * `--workflows` of `keys create` and `users create`, refused as `POST /v1/keys` and `POST /v1/users`
 * refuse it (grants.ts): an empty list, a workflow the policies in `--policy-dir` (default: the
 * server's) do not define, or, for a key that belongs to a user, more than that user holds. The CLI
 * itself writes to the database directly, so it has no creator to bound it. Returns the refusal, if any.
 */
export function grantRefusal(
  wanted: { role: Role; workflows?: string[] },
  policyDirFlag: string | undefined,
  owner?: UserRecord,
): string | undefined {
  let known = new Set<string>();
  if (wanted.workflows?.length) {
    const policyDir = policyDirFlag ? resolve(policyDirFlag) : defaultPolicyDir();
    try {
      known = new Set(loadPolicyDir(policyDir).workflows.keys());
    } catch (err) {
      return `cannot check --workflows against the policies in ${policyDir} (give --policy-dir): ${(err as Error).message}`;
    }
  }
  const grantors: Grantor[] = owner
    ? [{ who: `user ${owner.username}, whose key it would be,`, reach: owner }]
    : [];
  const issue = grantIssue(wanted, known, grantors);
  if (!issue) return undefined;
  // "/workflows/1" → "--workflows (item 2)": the flag the operator typed.
  const item = /^\/workflows\/(\d+)$/.exec(issue.field);
  const flag =
    issue.field === "/role" ? "--role" : item ? `--workflows (item ${Number(item[1]) + 1})` : "--workflows";
  return `${flag}: ${issue.message}`;
}
