import { RunState } from "@openai/agents";
import { describe, expect, it } from "vitest";
import { decideNext } from "../../server/test/helpers/server.js";
import { DecisionNotVerified } from "../src/index.js";
import { useLoopgate, type World } from "./harness.js";

/**
 * OpenAI Agents' own run loop (Runner, needsApproval, interruptions, RunState serialised and restored in
 * a new "process") with a scripted stand-in model, against a real Loopgate.
 */
describe("@loopgate/openai-agents interruptions decided in Loopgate", () => {
  const lg = useLoopgate();

  it("an approved call pauses the run, resumes in another process and runs once with its arguments", async () => {
    const r = await lg.run([{ pay: 120, to: "Acme" }], [{ verdict: "approve" }]);
    expect(r.interrupted).toEqual([1]);
    expect(r.paid).toEqual([{ pay: 120, to: "Acme" }]);
    expect(r.seen.map((t) => JSON.parse(t))).toEqual([{ paid: true, pay: 120, to: "Acme" }]);
    expect(r.result.finalOutput).toBe("done");
  });

  it("an edited call runs with the reviewer's arguments, never the model's", async () => {
    const r = await lg.run(
      [{ pay: 120, to: "Acme" }],
      [{ verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" }],
    );
    expect(r.paid).toEqual([{ pay: 80, to: "Acme" }]);
  });

  it("a rejected call does not run, and the model is told not to retry, so it asks once", async () => {
    const r = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 120, to: "Acme Ltd" },
      ],
      [{ verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" }],
    );
    expect(r.paid).toEqual([]);
    expect(r.submitted).toHaveLength(2); // the interruption's case, found again by the resolve
    expect(new Set(r.submitted).size).toBe(1);
    expect(r.result.interruptions).toEqual([]);
    expect(r.seen.map((t) => JSON.parse(t))).toEqual([
      {
        verdict: "reject",
        caseId: expect.any(String),
        reasonCode: "wrong_payee",
        note: "not our supplier",
        retry: false,
      },
    ]);
  });

  it("a tampered decision is refused by resolve, and the call stays pending: nothing runs", async () => {
    const world: World = { paid: [], seen: [], submitted: [] };
    const first = lg.agentProcess(world, [{ pay: 120, to: "Acme" }]);
    const result = await first.runner.run(first.agent, "Pay Acme");
    await first.lg.submit(result.interruptions);
    const saved = result.state.toString();
    expect((await decideNext(lg.s, { verdict: "reject", reasonCode: "wrong_payee" })).status).toBe(201);

    const flip = lg.agentProcess(world, [], (d) => ({
      ...d,
      verdict: "approve",
      output: { pay: 120, to: "Acme" },
    }));
    const state = await RunState.fromString(flip.agent, saved);
    await expect(flip.lg.resolve(state)).rejects.toBeInstanceOf(DecisionNotVerified);
    expect(state.getInterruptions()).toHaveLength(1);
    expect(world.paid).toEqual([]);
  });

  it("approving in the run state without Loopgate runs nothing: the tool asks Loopgate itself", async () => {
    const world: World = { paid: [], seen: [], submitted: [] };
    const first = lg.agentProcess(world, [{ pay: 120, to: "Acme" }]);
    const result = await first.runner.run(first.agent, "Pay Acme");
    const saved = result.state.toString();

    // Someone approves in the state; the reviewer rejects in Loopgate.
    const next = lg.agentProcess(world, [{ pay: 120, to: "Acme" }]);
    const state = await RunState.fromString(next.agent, saved);
    for (const item of state.getInterruptions()) state.approve(item);
    const resumed = next.runner.run(next.agent, state);
    expect((await decideNext(lg.s, { verdict: "reject", reasonCode: "wrong_payee" })).status).toBe(201);
    await resumed;
    expect(world.paid).toEqual([]);
    expect(JSON.parse(world.seen[0] ?? "")).toMatchObject({ verdict: "reject", retry: false });

    // And an edit whose arguments were changed on the way is refused inside the tool.
    const other = lg.agentProcess(world, [{ pay: 120, to: "Acme" }]);
    const second = await other.runner.run(other.agent, "Pay Acme");
    await other.lg.submit(second.interruptions);
    const edit = { verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" };
    expect((await decideNext(lg.s, edit)).status).toBe(201);
    const tampered = lg.agentProcess(world, [], (d) => ({ ...d, output: { pay: 8000, to: "Mallory" } }));
    const state2 = await RunState.fromString(tampered.agent, second.state.toString());
    for (const item of state2.getInterruptions()) state2.approve(item);
    await tampered.runner.run(tampered.agent, state2);
    expect(world.paid).toEqual([]);
    expect(world.seen).toHaveLength(2);
    expect(world.seen[1]).toMatch(/error/i);
  });
});

/**
 * The verdicts agents need (issue 14, item 4). These need the server's `respond` and `request_changes`
 * verdicts, built in parallel: until they are merged, the decision is refused with 400 and these fail.
 */
describe("@loopgate/openai-agents respond and request_changes", () => {
  const lg = useLoopgate();

  it("a respond hands the person's answer to the model as the tool's result; nothing runs", async () => {
    const answer = { paid: false, message: "Already paid by hand on Monday" };
    const r = await lg.run([{ pay: 120, to: "Acme" }], [{ verdict: "respond", output: answer }]);
    expect(r.paid).toEqual([]);
    expect(r.seen.map((t) => JSON.parse(t))).toEqual([answer]);
  });

  it("request_changes does not run; the model reads the feedback, revises and the revision runs", async () => {
    const r = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 100, to: "Acme" },
      ],
      [{ verdict: "request_changes", note: "take the 20 credit note off" }, { verdict: "approve" }],
    );
    expect(JSON.parse(r.seen[0] ?? "")).toMatchObject({
      verdict: "request_changes",
      feedback: "take the 20 credit note off",
      retry: true,
    });
    expect(r.paid).toEqual([{ pay: 100, to: "Acme" }]);
  });
});
