import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/** Claude Code's http PreToolUse hook, as Claude Code POSTs it, against the real API on both engines. */
describe.each(ENGINES)("POST /v1/hooks/claude-code/pre-tool-use (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation", ["test.payments"])).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  let n = 0;
  /** A PreToolUse hook input as Claude Code sends it (the SDK's PreToolUseHookInput), a fresh call each time. */
  const hookInput = (overrides: Record<string, unknown> = {}) => ({
    session_id: "0b7a4c1e-session",
    transcript_path: "/tmp/transcript.jsonl",
    cwd: "/work/project",
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: "mcp__bank__pay",
    tool_input: { amount: 120, to: "Acme" },
    tool_use_id: `toolu_${++n}_${Math.random().toString(36).slice(2)}`,
    ...overrides,
  });
  const path = (query = "workflow=test.payments&action=pay&waitSeconds=10") =>
    `/v1/hooks/claude-code/pre-tool-use?${query}`;
  const ask = (body: unknown, query?: string, key: string | null = automation) =>
    s.call("POST", path(query), body, key);

  /** The hook waits for a decision while a reviewer records `decision` on the case it opened. */
  async function askWhileDeciding(decision: Record<string, unknown>, body = hookInput()) {
    const [res, decided] = await Promise.all([ask(body), decideNext(s, decision)]);
    expect(decided.status).toBe(201);
    expect(res.status).toBe(200);
    return (await res.json()).hookSpecificOutput;
  }

  it("approve: allow, with the decided input to run", async () => {
    const out = await askWhileDeciding({ verdict: "approve" });
    expect(out).toMatchObject({
      hookEventName: "PreToolUse",
      permissionDecision: "allow",
      updatedInput: { amount: 120, to: "Acme" },
    });
  });

  it("edit: allow with the reviewer's input", async () => {
    const out = await askWhileDeciding({
      verdict: "edit",
      output: { amount: 80, to: "Acme" },
      reasonCode: "wrong_amount",
    });
    expect(out).toMatchObject({ permissionDecision: "allow", updatedInput: { amount: 80, to: "Acme" } });
  });

  it("reject: deny, with a machine-readable reason and retry: false", async () => {
    const out = await askWhileDeciding({
      verdict: "reject",
      reasonCode: "wrong_payee",
      note: "unknown supplier",
    });
    expect(out.permissionDecision).toBe("deny");
    expect(out.updatedInput).toBeUndefined();
    expect(JSON.parse(out.permissionDecisionReason)).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_payee",
      note: "unknown supplier",
      retry: false,
    });
  });

  it("a call the policy lets pass on its own is allowed at once", async () => {
    const res = await ask(hookInput(), "workflow=test.payments&action=pay&confidence=0.95");
    expect(res.status).toBe(200);
    expect((await res.json()).hookSpecificOutput).toMatchObject({
      permissionDecision: "allow",
      updatedInput: { amount: 120, to: "Acme" },
    });
  });

  it("still waiting: ask with the case's link; the same tool_use_id asked again resumes that case", async () => {
    const body = hookInput();
    const first = await ask(body, "workflow=test.payments&action=pay&waitSeconds=0");
    expect(first.status).toBe(200);
    const pending = (await first.json()).hookSpecificOutput;
    expect(pending.permissionDecision).toBe("ask");
    const caseId = /\/cases\/([^\s)]+)/.exec(pending.permissionDecisionReason)?.[1];
    expect(caseId).toBeTruthy();
    expect(pending.permissionDecisionReason).toContain(`${s.url}/cases/${caseId}`);

    const again = await ask(body, "workflow=test.payments&action=pay&waitSeconds=0");
    expect((await again.json()).hookSpecificOutput.permissionDecisionReason).toContain(`/cases/${caseId}`);
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    // Nothing else was queued: the second ask opened no second case.
    expect((await s.call("POST", "/v1/queue/claim", {})).status).not.toBe(200);

    const decided = (await (await ask(body)).json()).hookSpecificOutput;
    expect(decided.permissionDecision).toBe("allow");
    expect(decided.permissionDecisionReason).toContain(caseId);
  });

  it("a forged body reusing an approved tool_use_id with other input is denied, never allowed", async () => {
    const body = hookInput();
    await askWhileDeciding({ verdict: "approve" }, body);
    const forged = await ask({ ...body, tool_input: { amount: 9000, to: "Mallory" } });
    expect(forged.status).toBe(200);
    const out = (await forged.json()).hookSpecificOutput;
    expect(out.permissionDecision).toBe("deny");
    expect(out.updatedInput).toBeUndefined();
  });

  it("a body that is not a PreToolUse input is a 400 naming the field, and opens no case", async () => {
    const post = await ask(hookInput({ hook_event_name: "PostToolUse" }));
    expect(post.status).toBe(400);
    expect(JSON.stringify(await post.json())).toContain("/hook_event_name");
    const { tool_use_id: _, ...noId } = hookInput();
    const missing = await ask(noId);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("/tool_use_id");
    const noWorkflow = await ask(hookInput(), "action=pay");
    expect(noWorkflow.status).toBe(400);
    expect((await s.call("POST", "/v1/queue/claim", {})).status).not.toBe(200);
  });

  it("refuses a key scoped to another workflow, a reviewer's key and no key, opening no case", async () => {
    const other = (await s.newKey("automation", ["test.other"])).key;
    const reviewer = (await s.newKey("reviewer", ["test.payments"])).key;
    expect((await ask(hookInput(), undefined, other)).status).toBe(403);
    expect((await ask(hookInput(), undefined, reviewer)).status).toBe(403);
    expect((await ask(hookInput(), undefined, null)).status).toBe(401);
    expect((await s.call("POST", "/v1/queue/claim", {})).status).not.toBe(200);
  });

  it("a tool mapped to no action of the workflow is denied with the reason", async () => {
    const res = await ask(
      hookInput({ tool_name: "Bash", tool_input: { command: "rm -rf /" } }),
      "workflow=test.payments",
    );
    expect(res.status).toBe(200);
    const out = (await res.json()).hookSpecificOutput;
    expect(out.permissionDecision).toBe("deny");
    expect(out.permissionDecisionReason).toContain("Bash");
  });

  // The contract's new verdicts: these pass once the server records respond and request_changes.
  it("respond: deny, with the person's answer as the reason the model reads", async () => {
    const out = await askWhileDeciding({ verdict: "respond", output: "Acme was paid by phone." });
    expect(out).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: "Acme was paid by phone.",
    });
  });

  it("request_changes: deny, with the feedback and retry: true", async () => {
    const out = await askWhileDeciding({ verdict: "request_changes", note: "pay the net amount" });
    expect(out.permissionDecision).toBe("deny");
    expect(JSON.parse(out.permissionDecisionReason)).toMatchObject({
      verdict: "request_changes",
      feedback: "pay the net amount",
      retry: true,
    });
  });
});
