import { Conflict } from "@loopgate/core";
import type { Store } from "../store/index.js";
import { createUser } from "../users.js";

/** The demo's reviewer, so a new user can sign in to the workspace at once. A known password: demo only. */
export const DEMO_USER = { username: "demo", password: "demo-reviewer" } as const;

/**
 * The authority roles (review.authority) that cover every example workflow, so the demo reviewer can
 * take every kind of case. A real deployment gives each person only the roles of their job.
 */
export const DEMO_AUTHORITY = ["finance_director", "hiring_manager", "sales_rep", "support_lead"];

/** Creates the demo reviewer unless a user named "demo" already exists (its password is left alone). */
export async function ensureDemoUser(store: Store, now: number): Promise<void> {
  if (await store.identity.findUserByUsername(DEMO_USER.username)) return;
  try {
    await createUser(store, {
      ...DEMO_USER,
      role: "reviewer",
      name: "Demo Reviewer",
      authorityRoles: DEMO_AUTHORITY,
      now,
    });
  } catch (err) {
    // Another process starting on the same database created it first.
    if (!(err instanceof Conflict)) throw err;
  }
}
