import { RunState } from "@openai/agents";
import { describe, expect, it } from "vitest";
import { decideNext } from "../../server/test/helpers/server.js";
import { useLoopgate, type World } from "./harness.js";

/**
 * After a reviewer's request_changes, the model's next call of the tool is filed as a revision of that
 * case (linked, the next version), never as a second, unrelated case: through `submit`, `resolve` and
 * the tool's own execute, with the run state serialised and restored between every step.
 */
describe("@loopgate/openai-agents revisions after request_changes", () => {
  const lg = useLoopgate();

  const caseView = async (id: string) => (await lg.s.call("GET", `/v1/cases/${id}`)).json();
  /** Nothing is left for a reviewer: no duplicate case waits in the queue. */
  const queueIsEmpty = async () => (await lg.s.call("POST", "/v1/queue/claim", {})).status === 204;

  it("the revised call is version 2 of the case, one case more, and runs once on approval", async () => {
    const r = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 100, to: "Acme" },
      ],
      [{ verdict: "request_changes", note: "take the 20 credit note off" }, { verdict: "approve" }],
      // resolved in one process, run in another: the execute there still finds the revision
      { resolveApart: true },
    );
    const asked = JSON.parse(r.seen[0] ?? "");
    expect(asked).toMatchObject({ verdict: "request_changes", feedback: "take the 20 credit note off" });
    const cases = [...new Set(r.opened)];
    expect(cases).toHaveLength(2); // no duplicate: submit, resolve and execute all found these two
    const [first, revision] = cases as [string, string];
    expect(first).toBe(asked.caseId);
    expect(r.submitted).toHaveLength(2); // the first case, by submit and by resolve
    expect(r.revised?.length).toBeGreaterThan(0);
    expect(new Set(r.revised)).toEqual(new Set([first]));

    const view = await caseView(revision);
    expect(view).toMatchObject({ revisionOf: first, version: 2, proposal: { pay: 100, to: "Acme" } });
    expect(view.versions.map((v: { id: string }) => v.id)).toEqual([first, revision]);
    expect(r.paid).toEqual([{ pay: 100, to: "Acme" }]);
    expect(r.result.finalOutput).toBe("done");
    expect(await queueIsEmpty()).toBe(true);
  });

  it("changes asked again on the revision make version 3 of the same chain", async () => {
    const r = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 100, to: "Acme" },
        { pay: 90, to: "Acme" },
      ],
      [
        { verdict: "request_changes", note: "take the 20 credit note off" },
        { verdict: "request_changes", note: "and the 10 discount" },
        { verdict: "approve" },
      ],
    );
    const cases = [...new Set(r.opened)];
    expect(cases).toHaveLength(3);
    const [first, second, third] = cases as [string, string, string];
    expect(JSON.parse(r.seen[1] ?? "")).toMatchObject({ verdict: "request_changes", caseId: second });
    expect(await caseView(second)).toMatchObject({ revisionOf: first, version: 2 });
    const view = await caseView(third);
    expect(view).toMatchObject({ revisionOf: second, version: 3, proposal: { pay: 90, to: "Acme" } });
    expect(view.versions.map((v: { id: string }) => v.id)).toEqual([first, second, third]);
    expect(r.paid).toEqual([{ pay: 90, to: "Acme" }]);
    expect(await queueIsEmpty()).toBe(true);
  });

  it("approving the revised call in the run state without Loopgate runs nothing: the revision decides", async () => {
    const world: World = { paid: [], seen: [], submitted: [], revised: [], opened: [] };
    const plan = [
      { pay: 120, to: "Acme" },
      { pay: 100, to: "Acme" },
    ];
    const first = lg.agentProcess(world, plan);
    const asked = await first.runner.run(first.agent, "Pay Acme");
    await first.lg.submit(asked);
    const note = "take the 20 credit note off";
    expect((await decideNext(lg.s, { verdict: "request_changes", note })).status).toBe(201);

    const second = lg.agentProcess(world, plan);
    const state = await RunState.fromString(second.agent, asked.state.toString());
    await second.lg.resolve(state);
    const revised = await second.runner.run(second.agent, state);
    const [opened] = await second.lg.submit(revised.state); // the state itself is taken too
    expect(opened).toMatchObject({ revisionOf: JSON.parse(world.seen[0] ?? "").caseId, version: 2 });

    // Someone approves the revised call in the state; the reviewer rejects the revision in Loopgate.
    const third = lg.agentProcess(world, plan);
    const approved = await RunState.fromString(third.agent, revised.state.toString());
    for (const item of approved.getInterruptions()) approved.approve(item);
    const resumed = third.runner.run(third.agent, approved);
    expect((await decideNext(lg.s, { verdict: "reject", reasonCode: "wrong_amount" })).status).toBe(201);
    await resumed;
    expect(world.paid).toEqual([]);
    expect(JSON.parse(world.seen[1] ?? "")).toMatchObject({
      verdict: "reject",
      caseId: opened?.id,
      retry: false,
    });
    expect(new Set(world.opened).size).toBe(2);
    expect(await queueIsEmpty()).toBe(true);
  });
});
