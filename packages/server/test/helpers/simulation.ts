import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { payment, type TestServer } from "./server.js";

/**
 * A copy of a policy directory with text replaced in one of its files: a draft policy. Each replacement
 * must match, so a fixture change cannot silently turn a draft into a copy of the live policy.
 */
export function writeDraft(fromDir: string, file: string, replacements: Array<[string, string]>): string {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-draft-"));
  for (const f of readdirSync(fromDir).filter((n) => /\.ya?ml$/.test(n))) {
    let text = readFileSync(join(fromDir, f), "utf8");
    if (f === file) {
      for (const [from, to] of replacements) {
        expect(text, `${f} should contain ${from}`).toContain(from);
        text = text.replace(from, to);
      }
    }
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** The fixture's test.payments with the low class's threshold lowered from 0.9 to 0.8. */
export const LOWER_THRESHOLD: Array<[string, string]> = [
  ["low: { autoMinConfidence: 0.9 }", "low: { autoMinConfidence: 0.8 }"],
];

/** Ids of the seeded cases, named by what the lowered draft does with them. */
export interface History {
  /** Live review, draft auto: a person rejected it (known wrong). */
  rejected: string;
  /** Live review, draft auto: a person approved it (known right). */
  approved: string;
  /** Live review, draft auto: still waiting (no evidence either way). */
  open: string;
  /** Auto under both: one plain, one reported incorrect (not newly auto, so not counted). */
  auto: string;
  autoIncorrect: string;
  /** Review under both: a fired trigger (rejected), a high amount, a low confidence. */
  flagged: string;
  high: string;
  low: string;
}

async function submitted(s: TestServer, body: Record<string, unknown>, token: string): Promise<string> {
  const res = await s.call("POST", "/v1/cases", body, token);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).id as string;
}

/**
 * Submits eight test.payments cases a minute apart from `start` and decides three of them, in the order
 * the queue hands them out (oldest first). `setNow` moves the server's clock.
 */
export async function seedHistory(
  s: TestServer,
  start: number,
  setNow: (ms: number) => void,
): Promise<History> {
  const automation = (await s.newKey("automation", ["test.payments"])).key;
  let t = start;
  const at = () => {
    t += 60_000;
    setNow(t);
  };
  const pay = (confidence: number, input: Record<string, unknown> = {}) =>
    payment({ confidence, input: { amount: 120, payee: "Acme", ...input } });
  at();
  const rejected = await submitted(s, pay(0.85), automation);
  at();
  const approved = await submitted(s, pay(0.82), automation);
  at();
  const flagged = await submitted(s, pay(0.85, { flagged: true }), automation);
  at();
  const open = await submitted(s, pay(0.88), automation);
  at();
  const high = await submitted(s, pay(0.99, { amount: 5000 }), automation);
  at();
  const low = await submitted(s, pay(0.5), automation);
  at();
  const auto = await submitted(s, pay(0.95), automation);
  at();
  const autoIncorrect = await submitted(s, pay(0.97), automation);
  at();
  const outcome = await s.call(
    "POST",
    `/v1/cases/${autoIncorrect}/outcome`,
    { result: "incorrect" },
    automation,
  );
  expect(outcome.status).toBe(201);

  const verdicts = [
    [rejected, { verdict: "reject", reasonCode: "wrong_amount" }],
    [approved, { verdict: "approve" }],
    [flagged, { verdict: "reject", reasonCode: "wrong_payee" }],
  ] as const;
  for (const [id, body] of verdicts) {
    at();
    const claim = await s.call("POST", "/v1/queue/claim", { workflows: ["test.payments"] });
    expect(claim.status).toBe(200);
    expect((await claim.json()).case.id).toBe(id);
    const res = await s.call("POST", `/v1/cases/${id}/decisions`, body);
    expect(res.status, await res.clone().text()).toBe(201);
  }
  return { rejected, approved, open, auto, autoIncorrect, flagged, high, low };
}

/** What the lowered draft reports over `seedHistory`, by the API and by `loopgate simulate --json`. */
export function expectedLoweredReport(h: History) {
  return {
    workflow: "test.payments",
    cases: 8,
    changed: 3,
    riskClassChanged: 0,
    liveDiffersFromRecorded: 0,
    routes: [
      { from: "auto", to: "auto", count: 2, examples: [h.auto, h.autoIncorrect] },
      { from: "review", to: "auto", count: 3, examples: [h.rejected, h.approved, h.open] },
      { from: "review", to: "review", count: 3, examples: [h.flagged, h.high, h.low] },
    ],
    reviewLoad: { live: { cases: 6 }, draft: { cases: 3 } },
    expectedErrors: { newlyAuto: 3, wrong: 1, right: 1, unknown: 1, rate: 0.5, examples: [h.rejected] },
    unroutable: { live: 0, draft: 0, examples: [] },
  };
}
