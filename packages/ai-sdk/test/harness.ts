import { generateText, stepCountIs, tool } from "ai";
import { afterAll, beforeAll, expect } from "vitest";
import { z } from "zod";
import { decideNext, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { createLoopgate, type LoopgateAiSdkOptions } from "../src/index.js";
import { scriptedModel } from "./scripted-model.js";

/** A payment tool that records every payment it really made. */
export function payTool() {
  const paid: unknown[] = [];
  const pay = tool({
    description: "Pay a supplier",
    inputSchema: z.object({ pay: z.number().positive(), to: z.string() }),
    execute: async (payment) => {
      paid.push(payment);
      return { paid: true, ...payment };
    },
  });
  return { pay, paid };
}

/** A decision changed on its way from the server, as by someone between the agent and Loopgate. */
export type Tamper = (decision: Record<string, unknown>) => Record<string, unknown>;

/**
 * A real Loopgate (SQLite) for a describe block, and `run`: one agent run in the AI SDK's tool loop, the
 * model proposing `plan` in turn while the stand-in reviewer decides each case with `decisions`.
 */
export function useLoopgate() {
  const h = {} as { s: TestServer; automation: string; publicKeyPem: string };
  beforeAll(async () => {
    h.s = await startTestServer("sqlite");
    h.automation = (await h.s.newKey("automation")).key;
    const res = await h.s.call("GET", "/v1/decision-key", undefined, h.automation);
    h.publicKeyPem = (await res.json()).publicKeyPem;
  });
  afterAll(async () => {
    await h.s.close();
    await h.s.storage.cleanup();
  });

  /** Options of a gate on `test.payments` whose client counts submissions and may tamper with decisions. */
  function options(tamper?: Tamper) {
    const submitted: unknown[] = [];
    const opts: LoopgateAiSdkOptions = {
      loopgate: {
        url: h.s.url,
        apiKey: h.automation,
        fetch: async (input, init) => {
          if (init?.method === "POST" && /\/v1\/cases(\/[^/]+\/revisions)?$/.test(String(input))) {
            submitted.push(new URL(String(input)).pathname);
          }
          const res = await fetch(input, init);
          if (!tamper || !String(input).includes("/decision?")) return res;
          const body = (await res.json()) as Record<string, unknown>;
          return Response.json(body.status === "decided" ? tamper(body) : body, { status: res.status });
        },
      },
      workflow: "test.payments",
      publicKeyPem: h.publicKeyPem,
      timeoutMs: 10_000,
    };
    return { opts, submitted };
  }

  async function run(
    plan: unknown[],
    decisions: Array<Record<string, unknown>>,
    extra: { tamper?: Tamper; options?: Partial<LoopgateAiSdkOptions> } = {},
  ) {
    const { pay, paid } = payTool();
    const { model, seen } = scriptedModel("pay", plan);
    const { opts, submitted } = options(extra.tamper);
    const lg = createLoopgate({ ...opts, ...extra.options });
    const done = generateText({
      model,
      tools: lg.tools({ pay }),
      prompt: "Pay Acme",
      stopWhen: stepCountIs(6),
    });
    for (const d of decisions) expect((await decideNext(h.s, d)).status).toBe(201);
    const result = await done;
    return { result, paid, seen, submitted };
  }

  return Object.assign(h, { run, options });
}
