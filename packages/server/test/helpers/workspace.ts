import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { TestServer } from "./server.js";

/**
 * Fixtures for the workspace API tests: one workflow per pattern the workspace treats specially, in
 * their own directory so the other suites' workflow lists stay as they are.
 */
export const WORKSPACE_POLICIES = fileURLToPath(new URL("../fixtures/workspace-policies", import.meta.url));

type Overrides = Record<string, unknown>;

/** ws.invoices (exception_routing, SLA 4h): amount > 1000 is class high, which never auto-routes. */
export const invoice = (o: Overrides = {}) => ({
  workflow: "ws.invoices",
  action: "pay",
  input: { amount: 5000, supplier: "Acme" },
  proposal: { pay: 5000 },
  confidence: 0.95,
  ...o,
});

/** ws.hiring (decision_support, blind-first): below 0.9 a person reviews. */
export const hiring = (o: Overrides = {}) => ({
  workflow: "ws.hiring",
  action: "advance",
  input: { candidate: "C-1", seniority: "senior" },
  proposal: {
    options: [
      { id: "advance", action: "advance", summary: "SECRET-RECOMMENDATION strong match", riskFactors: [] },
      { id: "hold", action: "hold", summary: "ask for a sample", riskFactors: ["thin evidence"] },
    ],
  },
  confidence: 0.4217,
  rationale: "SECRET-RATIONALE meets every must-have",
  ...o,
});

/** ws.triage (active_learning, no SLA): below 0.9 a person labels. */
export const triage = (o: Overrides = {}) => ({
  workflow: "ws.triage",
  action: "set_category",
  input: { message: "I was charged twice" },
  proposal: {
    label: "billing",
    candidates: [
      { label: "billing", probability: 0.55 },
      { label: "account", probability: 0.4 },
    ],
  },
  confidence: 0.55,
  ...o,
});

/** ws.ranking (preference_ranking): always ranked by a person. */
export const ranking = (o: Overrides = {}) => ({
  workflow: "ws.ranking",
  action: "choose_reply",
  input: { message: "Where is my parcel?" },
  proposal: {
    candidates: [
      { id: "a", output: { text: "It ships today; here is the tracking link." } },
      { id: "b", output: { text: "Please wait." } },
    ],
  },
  confidence: 0.6,
  ...o,
});

/** Submits and returns the new case's id, failing the test on anything but 201. */
export async function submit(s: TestServer, body: Overrides, token?: string): Promise<string> {
  const res = await s.call("POST", "/v1/cases", body, token);
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
}

/** Claims the next case of `workflow` as `token`'s holder and returns its view. */
// biome-ignore lint/suspicious/noExplicitAny: test-only convenience, like JsonResponse in server.ts
export async function claim(s: TestServer, workflow: string, token?: string): Promise<any> {
  const res = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
  expect(res.status).toBe(200);
  return (await res.json()).case;
}

/** Empties the queue as the admin, so a test starts from known counts (blind-first cases judged first). */
export async function drain(s: TestServer): Promise<void> {
  for (;;) {
    const res = await s.call("POST", "/v1/queue/claim", {});
    if (res.status === 204) return;
    const { case: c } = await res.json();
    const reject = { verdict: "reject", reasonCode: "other", note: "test" };
    let decided = await s.call("POST", `/v1/cases/${c.id}/decisions`, reject);
    if (decided.status === 409) {
      await s.call("POST", `/v1/cases/${c.id}/blind-judgment`, reject);
      decided = await s.call("POST", `/v1/cases/${c.id}/decisions`, reject);
    }
    expect(decided.status).toBe(201);
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * A client of `GET /v1/stream` on the real server, reading with fetch. `next` waits (bounded) for the
 * next `event: case` that matches, skipping comments and other events.
 */
export async function openStream(s: Pick<TestServer, "url">, token: string) {
  const abort = new AbortController();
  const res = await fetch(`${s.url}/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const pending: SseEvent[] = [];
  let ended = false;
  /** `resync` events seen: changes may have been missed, re-read everything. */
  let resyncs = 0;

  /** Reads until at least one more complete event block arrived, or the stream ended. */
  async function pull(): Promise<void> {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split("\n").filter((l) => !l.startsWith(":"));
      const field = (name: string) =>
        lines
          .filter((l) => l.startsWith(`${name}:`))
          .map((l) => l.slice(name.length + 1).trimStart())
          .join("\n");
      if (field("event") === "resync") resyncs++;
      else if (field("event") || field("data")) pending.push({ event: field("event"), data: field("data") });
    }
  }

  return {
    res,
    /** The next `case` event (parsed) that satisfies `match`, within `timeoutMs`. */
    async next(
      match: (e: { type: string; caseId: string; workflow: string }) => boolean = () => true,
      timeoutMs = 5000,
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (pending.length > 0) {
          const e = pending.shift() as SseEvent;
          if (e.event !== "case") continue;
          const parsed = JSON.parse(e.data);
          if (match(parsed)) return parsed as { type: string; caseId: string; workflow: string };
        }
        if (ended) throw new Error("the stream ended");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no matching event in time");
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          pull(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("no matching event in time")), left);
          }),
        ]).finally(() => clearTimeout(timer));
      }
    },
    /** Resolves true once a `resync` event arrived (false if none came within `timeoutMs`). */
    async resynced(timeoutMs = 5000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (resyncs === 0 && !ended && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          pull(),
          new Promise((resolve) => {
            timer = setTimeout(resolve, deadline - Date.now());
          }),
        ]).finally(() => clearTimeout(timer));
      }
      return resyncs > 0;
    },
    /** Resolves true once the server ends the stream (false if it is still open after `timeoutMs`). */
    async ended(timeoutMs = 5000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (!ended && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          pull().then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), deadline - Date.now());
          }),
        ]).finally(() => clearTimeout(timer));
        if (timedOut) break;
      }
      return ended;
    },
    close() {
      abort.abort();
    },
  };
}
