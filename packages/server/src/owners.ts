import type { Workflow } from "@loopgate/core";
import type { Store } from "./store/index.js";

/**
 * A policy's `owner` is an identity, not a name (issue 11, item 6): it names one user account by its
 * username. Usernames are unique ignoring case, so the match ignores case; display names and key names
 * never count, since an admin may give any key or user any of those.
 */
export function ownerIs(wf: Workflow, username: string): boolean {
  return wf.owner.trim().toLowerCase() === username.toLowerCase();
}

/**
 * The workflows whose owner matches no active user account: nobody can act as their owner (assign,
 * audits, gold sets, alerts) until an admin creates that user. Start-up and `policy validate` warn.
 */
export async function ownersWithoutAccount(store: Store, workflows: Iterable<Workflow>): Promise<Workflow[]> {
  const missing: Workflow[] = [];
  for (const wf of workflows) {
    const user = await store.identity.findUserByUsername(wf.owner.trim());
    if (!user || user.disabledAt !== null) missing.push(wf);
  }
  return missing;
}

/** The warning line for one such workflow, the same in the server's log and on the command line. */
export function ownerWarning(wf: Workflow): string {
  return `workflow ${wf.workflow}: owner "${wf.owner}" matches no active user account, so nobody can act as its owner (create the user: loopgate users create --username ${wf.owner.trim()} …)`;
}
