import { Agent, Runner, RunState } from "@openai/agents";
import { afterAll, beforeAll, expect } from "vitest";
import { z } from "zod";
import { decideNext, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { createLoopgate, type LoopgateAgentsOptions } from "../src/index.js";
import { ScriptedModel } from "./scripted-model.js";

/** A decision changed on its way from the server, as by someone between the agent and Loopgate. */
export type Tamper = (decision: Record<string, unknown>) => Record<string, unknown>;

/** What outlives a process: the payments really made, what the model was shown, the cases opened. */
export interface World {
  paid: unknown[];
  seen: string[];
  submitted: unknown[];
}

/**
 * A real Loopgate (SQLite) for a describe block, and `process`: everything one process of the agent
 * builds for itself (gate, tool, agent, runner), sharing only the world outside it.
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

  function agentProcess(
    world: World,
    plan: unknown[],
    tamper?: Tamper,
    options?: Partial<LoopgateAgentsOptions>,
  ) {
    const lg = createLoopgate({
      loopgate: {
        url: h.s.url,
        apiKey: h.automation,
        fetch: async (input, init) => {
          if (init?.method === "POST" && String(input).endsWith("/v1/cases")) world.submitted.push(init.body);
          const res = await fetch(input, init);
          if (!tamper || !String(input).includes("/decision?")) return res;
          const body = (await res.json()) as Record<string, unknown>;
          return Response.json(body.status === "decided" ? tamper(body) : body, { status: res.status });
        },
      },
      workflow: "test.payments",
      publicKeyPem: h.publicKeyPem,
      timeoutMs: 10_000,
      ...options,
    });
    const pay = lg.tool({
      name: "pay",
      description: "Pay a supplier",
      parameters: z.object({ pay: z.number().positive(), to: z.string() }),
      execute: async (payment) => {
        world.paid.push(payment);
        return { paid: true, ...payment };
      },
    });
    const agent = new Agent({
      name: "payer",
      instructions: "Pay the suppliers you are asked to pay.",
      model: new ScriptedModel("pay", plan, world.seen),
      tools: [pay],
    });
    return { lg, agent, runner: new Runner({ tracingDisabled: true }) };
  }

  /**
   * One agent run that pauses at each interruption: the first process opens the cases and stores the
   * serialised run state; the reviewer decides; a new process restores the state, resolves the
   * interruptions from Loopgate's decisions and runs on, until the run ends.
   */
  async function run(
    plan: unknown[],
    decisions: Array<Record<string, unknown>>,
    extra: { tamper?: Tamper } = {},
  ) {
    const world: World = { paid: [], seen: [], submitted: [] };
    const first = agentProcess(world, plan);
    let result = await first.runner.run(first.agent, "Pay Acme");
    const interrupted: number[] = [];
    for (const decision of decisions) {
      interrupted.push(result.interruptions.length);
      const opened = await first.lg.submit(result.interruptions);
      expect(opened.map((c) => c.route)).toEqual(["review"]);
      const saved = result.state.toString();
      expect((await decideNext(h.s, decision)).status).toBe(201);
      const next = agentProcess(world, plan, extra.tamper);
      const state = await RunState.fromString<undefined, typeof next.agent>(next.agent, saved);
      await next.lg.resolve(state);
      result = await next.runner.run(next.agent, state);
    }
    return { ...world, result, interrupted };
  }

  return Object.assign(h, { run, agentProcess });
}
