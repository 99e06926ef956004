import type { Workflow } from "@loopgate/core";
import type { Store } from "../../store/index.js";
import type { Principal } from "./auth.js";

/**
 * Whether `p` owns the workflow: an admin, or a principal named like the policy's `owner` (compared
 * ignoring case with a user's username or name, or a key's name). Owners are e-mail addresses in
 * policies, so the owner's account is the one whose username is that address.
 */
export function isOwner(p: Principal, wf: Workflow, username?: string): boolean {
  if (p.role === "admin") return true;
  const owner = wf.owner.trim().toLowerCase();
  return [p.name, username].some((n) => n !== undefined && n.trim().toLowerCase() === owner);
}

/** A user's username, for `isOwner`; the principal carries only the display name. Keys have none. */
export async function usernameOf(store: Store, p: Principal): Promise<string | undefined> {
  return p.kind === "user" ? (await store.identity.getUser(p.id))?.username : undefined;
}
