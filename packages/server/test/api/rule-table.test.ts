import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PolicyError, parseWorkflow } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, freshStorage, startTestServer, type TestServer } from "../helpers/server.js";

// docs/policy.md, "Every verdict, boundary and rule": both tables are read from the document and every
// row is performed against a real server, so the document says what the server does.

const DOC = readFileSync(fileURLToPath(new URL("../../../../docs/policy.md", import.meta.url)), "utf8");

/** The rows of the markdown table whose header starts with `first`. */
function table(first: string): Record<string, string>[] {
  const lines = DOC.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`| ${first}`));
  expect(start, `a table starting "| ${first}" in docs/policy.md`).toBeGreaterThan(0);
  const cells = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[start] as string);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(Object.fromEntries(cells(line).map((c, i) => [header[i] as string, c])));
  }
  return rows;
}

const VERDICTS = table("verdict");
const TIMEOUTS = table("onTimeout");

const BOUNDARIES = `actions:
  a_auto: { boundary: auto }
  a_review: { boundary: review }
  a_human_only: { boundary: human_only }
`;
/** A workflow that sets every rule the table names. */
const policy = (name: string, pattern: string, extra = "") => `workflow: ${name}
owner: rt-owner
pattern: ${pattern}
reasons: [wrong, other]
risk:
  classes:
    only: { autoMinConfidence: 0.99 }
${BOUNDARIES}review:
  approvals: 2
  minReviewSeconds: 10
  authority:
    - { role: clerk, when: "input.amount <= 100" }
    - { role: manager, when: "true" }
release:
  delaySeconds: 60
${extra}`;

const PATTERN: Record<string, string> = { label: "active_learning", rank: "preference_ranking" };
/** Each row gets a workflow of its own, so its cases are alone in their queue. */
const workflowOf = (verdict: string, boundary: string) => `rt.${verdict}-${boundary.replace("_", "-")}`;

/** The case a row is tried on; for approve, `amount` is what its proposal (the output of approve) pays. */
function submission(verdict: string, boundary: string, amount = 50) {
  const proposal =
    verdict === "label"
      ? { label: "a", candidates: [{ label: "a", probability: 0.5 }] }
      : verdict === "rank"
        ? { candidates: [{ id: "a" }, { id: "b" }] }
        : { amount: verdict === "approve" ? amount : 50 };
  return {
    workflow: workflowOf(verdict, boundary),
    action: `a_${boundary}`,
    input: { amount: 50 },
    proposal,
    confidence: 0.5,
  };
}

/** The decision body of a row's verdict; `amount` is what its output would pay, where it has one. */
function verdictBody(verdict: string, amount = 60): Record<string, unknown> {
  switch (verdict) {
    case "approve":
      return { verdict };
    case "edit":
    case "override":
      return { verdict, output: { amount }, reasonCode: "wrong" };
    case "done":
      return { verdict, output: { amount }, note: "did it by hand" };
    case "label":
      return { verdict, output: { label: "b" } };
    case "rank":
      return { verdict, output: { ranking: ["a", "b"] } };
    default:
      return { verdict, reasonCode: "wrong" };
  }
}

describe.each(ENGINES)("docs/policy.md rule tables, performed (%s)", (engine) => {
  let s: TestServer;
  let dir: string;
  let now = Date.parse("2026-12-02T09:00:00Z");
  let automation: string;
  let managerA: { key: string };
  let managerB: { key: string };
  let clerk: { key: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "loopgate-rule-table-"));
    for (const { verdict, boundary } of VERDICTS) {
      const pattern = PATTERN[verdict as string] ?? "review_and_approve";
      const extra = pattern === "active_learning" ? "activeLearning: { strategy: least_confidence }\n" : "";
      const name = workflowOf(verdict as string, boundary as string);
      writeFileSync(join(dir, `${name}.yaml`), policy(name, pattern, extra));
    }
    s = await startTestServer(engine, { policyDir: dir, clock: () => now });
    automation = (await s.newKey("automation")).key;
    managerA = await reviewerKey(s, "manager-a", ["manager"]);
    managerB = await reviewerKey(s, "manager-b", ["manager"]);
    clerk = await reviewerKey(s, "clerk", ["clerk"]);
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function submit(body: Record<string, unknown>): Promise<string> {
    const res = await s.call("POST", "/v1/cases", body, automation);
    expect(res.status).toBe(201);
    return (await res.json()).id;
  }
  async function claim(workflow: string, token: string, id: string) {
    const res = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
    expect(res.status).toBe(200);
    expect((await res.json()).case.id).toBe(id);
  }
  const decide = (id: string, body: Record<string, unknown>, token: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);
  const get = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();
  it("has every verdict and boundary in the table", () => {
    expect(VERDICTS).toHaveLength(21);
    expect(TIMEOUTS).toHaveLength(9);
  });

  it.each(VERDICTS.map((r) => [`${r.verdict} on ${r.boundary}`, r] as const))("%s", async (_, row) => {
    const verdict = row.verdict as string;
    const boundary = row.boundary as string;
    const id = await submit(submission(verdict, boundary));
    await claim(workflowOf(verdict, boundary), managerA.key, id);
    const body = verdictBody(verdict);

    if (row.taken === "refused") {
      now += 11_000;
      const res = await decide(id, body, managerA.key);
      expect(res.status).toBe(422);
      expect((await res.json()).field).toBe("/verdict");
      return;
    }
    expect(row.taken).toBe("taken");

    // review time
    expect(row["review time"]).toBe("enforced");
    const early = await decide(id, body, managerA.key);
    expect(early.status).toBe(422);
    expect((await early.json()).minReviewSeconds).toBe(10);
    now += 11_000;

    // authority on the input: a case above the clerk's limit cannot be decided by the clerk at all
    const above = await submit({ ...submission(verdict, boundary), input: { amount: 500 } });
    const refusedInput = await decide(above, body, clerk.key);
    expect(refusedInput.status).toBe(403);
    expect((await refusedInput.json()).detail).toMatch(/authority limit/);
    // … and on the output, where this verdict's output carries the amount that will be paid
    if (row.authority === "input and output" && ["approve", "edit", "override", "done"].includes(verdict)) {
      await claim(workflowOf(verdict, boundary), managerB.key, above); // out of the clerk's way
      const raised = await submit(submission(verdict, boundary, 500));
      await claim(workflowOf(verdict, boundary), clerk.key, raised);
      now += 11_000;
      const refusedOutput = await decide(raised, verdictBody(verdict, 500), clerk.key);
      expect(refusedOutput.status).toBe(403);
      expect((await refusedOutput.json()).detail).toMatch(/as this output would run it/);
      await s.call("POST", `/v1/cases/${raised}/release`, undefined, clerk.key);
      await s.call("POST", `/v1/cases/${above}/release`, undefined, managerB.key);
    } else {
      expect(row.authority).toMatch(/^input( and output)?$/);
    }

    // people
    const first = await decide(id, body, managerA.key);
    expect(first.status).toBe(201);
    if (row.people === "all") {
      expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(id)).status).toBe("queued");
      await claim(workflowOf(verdict, boundary), managerB.key, id);
      now += 11_000;
      expect((await decide(id, body, managerB.key)).status).toBe(201);
    } else {
      expect(row.people).toBe("one");
    }
    const decided = await get(id);
    expect(decided.status).toBe("decided");

    // release
    if (row.release === "held") expect(Date.parse(decided.releaseAt) - now).toBe(60_000);
    else {
      expect(row.release).toBe("not held");
      expect(decided.releaseAt).toBeNull();
    }
  });
});

describe.each(ENGINES)("docs/policy.md timeout table, performed (%s)", (engine) => {
  const HOUR = 3_600_000;
  const timeoutPolicy = (onTimeout: string, actions = BOUNDARIES, threshold = "0.99") => `workflow: rt.timeout
owner: rt-owner
pattern: review_and_approve
reasons: [wrong, other]
risk:
  classes:
    only: { autoMinConfidence: ${threshold} }
${actions}sla:
  reviewWithin: 1h
  onTimeout: ${onTimeout}
  escalateTo: lead
`;

  it.each(TIMEOUTS.map((r) => [`${r.onTimeout} on ${r.boundary}`, r] as const))("%s", async (_, row) => {
    const onTimeout = row.onTimeout as string;
    const boundary = row.boundary as string;
    const outcome = row["what the server does"] as string;
    if (outcome === "refused at load") {
      let refusal: unknown;
      try {
        parseWorkflow(
          timeoutPolicy(onTimeout, `actions:\n  a_${boundary}: { boundary: ${boundary} }\n`),
          "t.yaml",
        );
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toBeInstanceOf(PolicyError);
      expect((refusal as PolicyError).issues[0]).toMatchObject({ field: "sla.onTimeout" });
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "loopgate-timeouts-"));
    const storage = await freshStorage(engine);
    let now = Date.parse("2026-12-02T09:00:00Z");
    const actions =
      onTimeout === "approve" ? `actions:\n  a_${boundary}: { boundary: ${boundary} }\n` : BOUNDARIES;
    writeFileSync(join(dir, "timeout.yaml"), timeoutPolicy(onTimeout, actions));
    let s = await startTestServer(
      engine,
      { policyDir: dir, clock: () => now, timers: { pollMs: 3_600_000 } },
      storage,
    );
    try {
      const automation = (await s.newKey("automation")).key;
      const submitOne = async () => {
        const res = await s.call(
          "POST",
          "/v1/cases",
          {
            workflow: "rt.timeout",
            action: `a_${boundary}`,
            input: {},
            proposal: { go: 1 },
            confidence: 0.5,
          },
          automation,
        );
        return (await res.json()).id as string;
      };
      const id = await submitOne();
      now += HOUR + 1_000;
      await s.timers.runOnce();
      const after = await (await s.call("GET", `/v1/cases/${id}`)).json();
      if (outcome === "rejected by sla") {
        expect(after).toMatchObject({
          status: "decided",
          decisions: [{ decidedBy: "sla", verdict: "reject" }],
        });
      } else if (outcome === "escalated") {
        expect(after).toMatchObject({ status: "queued", escalatedTo: "lead", decisions: [] });
      } else {
        expect(outcome).toBe("approved by sla only if the policy now routes the case auto; else escalated");
        // Confidence 0.5 under a 0.99 threshold: the machine may not act alone, so a person gets it.
        expect(after).toMatchObject({ status: "queued", escalatedTo: "lead", decisions: [] });
        // Under a policy that now lets the machine act on such a case, the clock approves the next one.
        const later = await submitOne();
        await s.close();
        writeFileSync(join(dir, "timeout.yaml"), timeoutPolicy(onTimeout, actions, "0.4"));
        s = await startTestServer(
          engine,
          { policyDir: dir, clock: () => now, timers: { pollMs: 3_600_000 } },
          storage,
        );
        now += HOUR + 1_000;
        await s.timers.runOnce();
        const approved = await (await s.call("GET", `/v1/cases/${later}`)).json();
        expect(approved).toMatchObject({
          status: "decided",
          decisions: [{ decidedBy: "sla", verdict: "approve" }],
        });
      }
    } finally {
      await s.close();
      await storage.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
