import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { TestServer } from "./server.js";

/** Workflows that mix shadow cases in: shadow.catch (every review case brings a catch trial), shadow.overlap (an overlap copy), shadow.plain (neither). */
export const SHADOW_POLICIES = fileURLToPath(new URL("../fixtures/shadow-policies", import.meta.url));

/** A known-answer refund of shadow.catch: over 1000 is class high, so it always waits for a person. */
export const goldRefund = (o: Record<string, unknown> = {}) => ({
  action: "refund",
  input: { amount: 2500, payee: "Acme" },
  proposal: { refund: 250, to: "Acme" },
  confidence: 0.97,
  expected: "reject",
  expectedReason: "wrong_amount",
  note: "the refund is a tenth of the amount",
  ...o,
});

/** Claims the next case of `workflow` for `token`: its id, or null on 204. */
export async function claim(s: TestServer, token: string, workflow: string): Promise<string | null> {
  const res = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
  if (res.status === 204) return null;
  expect(res.status).toBe(200);
  return (await res.json()).case.id as string;
}

export async function decide(
  s: TestServer,
  token: string,
  id: string,
  verdict: "approve" | "reject",
  reasonCode = "wrong_amount",
): Promise<void> {
  const body = verdict === "approve" ? { verdict } : { verdict, reasonCode };
  const res = await s.call("POST", `/v1/cases/${id}/decisions`, body, token);
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Every key path of a JSON value (array items merged), to compare the shapes of two views. */
export function shapeOf(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => shapeOf(v, `${path}[]`)))].sort();
  if (value === null || typeof value !== "object") return [path];
  return Object.entries(value)
    .flatMap(([k, v]) => [`${path}.${k}`, ...shapeOf(v, `${path}.${k}`)])
    .sort();
}
