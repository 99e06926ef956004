import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { TestServer } from "./server.js";

/** Fixtures for the review-rules suites (minimum review time, four-eyes, authority, ownership). */
export const REVIEW_POLICIES = fileURLToPath(new URL("../fixtures/review-policies", import.meta.url));

export const pay = (workflow: string, amount: number, o: Record<string, unknown> = {}) => ({
  workflow,
  action: "pay",
  input: { amount, payee: "Acme" },
  proposal: { pay: amount, to: "Acme" },
  confidence: 0.99,
  ...o,
});

/** A reviewer key with authority roles; returns its token and id. */
export async function reviewerKey(
  s: TestServer,
  name: string,
  authorityRoles: string[] = [],
  role = "reviewer",
): Promise<{ key: string; id: string }> {
  const res = await s.call("POST", "/v1/keys", { name, role, authorityRoles });
  expect(res.status).toBe(201);
  const body = await res.json();
  expect(body.authorityRoles).toEqual(authorityRoles);
  return { key: body.key, id: body.id };
}

export async function claimIn(s: TestServer, workflow: string, token?: string) {
  return s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
}
