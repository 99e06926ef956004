import { Loopgate } from "@loopgate/client";
import { generateText, stepCountIs, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decideNext } from "../../server/test/helpers/server.js";
import { createLoopgate } from "../src/index.js";
import { payTool, useLoopgate } from "./harness.js";
import { scriptedModel } from "./scripted-model.js";

/**
 * The AI SDK's own tool loop (generateText with a scripted stand-in model) against a real Loopgate: the
 * tool's execute runs only on a verified approve or edit, with the decided arguments.
 */
describe("@loopgate/ai-sdk gated tools in the tool loop", () => {
  const lg = useLoopgate();

  it("an approved call runs once, with the model's arguments", async () => {
    const { paid, seen, result } = await lg.run([{ pay: 120, to: "Acme" }], [{ verdict: "approve" }]);
    expect(paid).toEqual([{ pay: 120, to: "Acme" }]);
    expect(seen).toEqual([{ type: "json", value: { paid: true, pay: 120, to: "Acme" } }]);
    expect(result.text).toBe("done");
  });

  it("an edited call runs with the reviewer's arguments, never the model's", async () => {
    const { paid } = await lg.run(
      [{ pay: 120, to: "Acme" }],
      [{ verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" }],
    );
    expect(paid).toEqual([{ pay: 80, to: "Acme" }]);
  });

  it("a rejected call does not run, and the model is told not to retry, so it asks once", async () => {
    const { paid, seen, submitted } = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 120, to: "Acme Ltd" },
      ],
      [{ verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" }],
    );
    expect(paid).toEqual([]);
    expect(submitted).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.value).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_payee",
      note: "not our supplier",
      retry: false,
    });
  });

  it("a tampered decision never runs: changed arguments, a flipped verdict, another case's decision", async () => {
    const changed = await lg.run(
      [{ pay: 120, to: "Acme" }],
      [{ verdict: "edit", output: { pay: 80, to: "Acme" }, reasonCode: "wrong_amount" }],
      { tamper: (d) => ({ ...d, output: { pay: 8000, to: "Mallory" } }) },
    );
    const flipped = await lg.run(
      [{ pay: 120, to: "Acme" }],
      [{ verdict: "reject", reasonCode: "wrong_payee" }],
      {
        tamper: (d) => ({ ...d, verdict: "approve", output: { pay: 120, to: "Acme" } }),
      },
    );
    // A genuine approval of another case with the very same arguments, replayed onto this one.
    const { id: other } = await new Loopgate({ url: lg.s.url, apiKey: lg.automation }).submit({
      workflow: "test.payments",
      action: "pay",
      input: { pay: 120, to: "Acme" },
      proposal: { pay: 120, to: "Acme" },
      confidence: 0,
    });
    expect((await decideNext(lg.s, { verdict: "approve" })).status).toBe(201);
    const res = await lg.s.call("GET", `/v1/cases/${other}/decision`, undefined, lg.automation);
    const approvedElsewhere = await res.json();
    const replayed = await lg.run(
      [{ pay: 120, to: "Acme" }],
      [{ verdict: "reject", reasonCode: "wrong_payee" }],
      {
        tamper: (d) => ({ ...approvedElsewhere, caseId: d.caseId }),
      },
    );
    for (const r of [changed, flipped, replayed]) {
      expect(r.paid).toEqual([]);
      expect(r.seen).toHaveLength(1);
      expect(r.seen[0]).toMatchObject({ type: "error-text" });
      expect(String(r.seen[0]?.value)).toMatch(/not signed by Loopgate/);
    }
  });

  it("a streaming tool (an async generator) stays one: it streams only after the approval", async () => {
    const steps: string[] = [];
    const status = tool({
      description: "Pay and report progress",
      inputSchema: z.object({ pay: z.number(), to: z.string() }),
      async *execute(payment) {
        steps.push("started");
        yield { state: "sending" };
        steps.push("sent");
        yield { state: "paid", ...payment };
      },
    });
    const { model, seen } = scriptedModel("pay", [{ pay: 120, to: "Acme" }]);
    const gate = createLoopgate(lg.options().opts);
    const done = generateText({
      model,
      tools: gate.tools({ pay: status }),
      prompt: "Pay",
      stopWhen: stepCountIs(3),
    });
    expect((await decideNext(lg.s, { verdict: "approve" })).status).toBe(201);
    await done;
    expect(steps).toEqual(["started", "sent"]);
    expect(seen).toEqual([{ type: "json", value: { state: "paid", pay: 120, to: "Acme" } }]);
  });

  it("refuses to start without a pinned key unless told to fetch it, and then fetches it", async () => {
    expect(() =>
      createLoopgate({ loopgate: { url: lg.s.url, apiKey: lg.automation }, workflow: "test.payments" }),
    ).toThrow(/publicKeyPem/);
    const { paid } = await lg.run([{ pay: 120, to: "Acme" }], [{ verdict: "approve" }], {
      options: { publicKeyPem: undefined, fetchDecisionKey: true },
    });
    expect(paid).toEqual([{ pay: 120, to: "Acme" }]);
  });
});

/**
 * The verdicts agents need and the tool's schema (issue 14, items 3 and 4). These need the server's
 * `respond` and `request_changes` verdicts and its `toolInputSchema` check, built in parallel: until
 * they are merged, these fail.
 */
describe("@loopgate/ai-sdk respond, request_changes and the tool's schema", () => {
  const lg = useLoopgate();

  it("an edit that breaks the tool's schema is refused before it is recorded, and never runs", async () => {
    const { pay, paid } = payTool();
    const { model } = scriptedModel("pay", [{ pay: 120, to: "Acme" }]);
    const gate = createLoopgate(lg.options().opts);
    const done = generateText({ model, tools: gate.tools({ pay }), prompt: "Pay", stopWhen: stepCountIs(3) });
    let claimed = await lg.s.call("POST", "/v1/queue/claim", {});
    while (claimed.status !== 200) claimed = await lg.s.call("POST", "/v1/queue/claim", {});
    const { case: c } = await claimed.json();
    const decide = (body: unknown) => lg.s.call("POST", `/v1/cases/${c.id}/decisions`, body);
    const broken = await decide({
      verdict: "edit",
      output: { pay: -80, to: "Acme" },
      reasonCode: "wrong_amount",
    });
    expect(broken.status).toBe(422);
    expect(await broken.json()).toMatchObject({ field: "/output/pay" });
    // The reviewer still holds the case and approves it as proposed.
    expect((await decide({ verdict: "approve" })).status).toBe(201);
    await done;
    expect(paid).toEqual([{ pay: 120, to: "Acme" }]);
  });

  it("a respond hands the person's answer to the model as the tool's result; nothing runs", async () => {
    const answer = { paid: false, message: "Already paid by hand on Monday" };
    const { paid, seen } = await lg.run([{ pay: 120, to: "Acme" }], [{ verdict: "respond", output: answer }]);
    expect(paid).toEqual([]);
    expect(seen).toEqual([{ type: "json", value: answer }]);
  });

  it("request_changes does not run; the model reads the feedback, revises and the revision runs", async () => {
    const { paid, seen, submitted } = await lg.run(
      [
        { pay: 120, to: "Acme" },
        { pay: 100, to: "Acme" },
      ],
      [{ verdict: "request_changes", note: "take the 20 credit note off" }, { verdict: "approve" }],
    );
    expect(seen[0]?.value).toMatchObject({
      verdict: "request_changes",
      feedback: "take the 20 credit note off",
      retry: true,
    });
    expect(paid).toEqual([{ pay: 100, to: "Acme" }]);
    // The second call went to Loopgate as the first case's revision, so the reviewer sees both versions.
    const first = (seen[0]?.value as { caseId?: string } | undefined)?.caseId;
    expect(submitted).toEqual(["/v1/cases", `/v1/cases/${first}/revisions`]);
  });
});
