import { Conflict } from "@loopgate/core";
import type { Store } from "../store/index.js";
import { createUser } from "../users.js";

/** The demo's reviewer, so a new user can sign in to the workspace at once. A known password: demo only. */
export const DEMO_USER = { username: "demo", password: "demo-reviewer" } as const;

/** Creates the demo reviewer unless a user named "demo" already exists (its password is left alone). */
export async function ensureDemoUser(store: Store, now: number): Promise<void> {
  if (await store.findUserByUsername(DEMO_USER.username)) return;
  try {
    await createUser(store, { ...DEMO_USER, role: "reviewer", name: "Demo Reviewer", now });
  } catch (err) {
    // Another process starting on the same database created it first.
    if (!(err instanceof Conflict)) throw err;
  }
}
