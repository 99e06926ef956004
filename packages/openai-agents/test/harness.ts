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
  /** The bodies of `POST /v1/cases`. */
  submitted: unknown[];
  /** The cases revised (`POST /v1/cases/:id/revisions`), by id. */
  revised?: string[];
  /** The case answering each submission or revision, by id. */
  opened?: string[];
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
          const url = String(input);
          const revision = /\/v1\/cases\/([^/]+)\/revisions$/.exec(url);
          const submits = init?.method === "POST" && (url.endsWith("/v1/cases") || revision !== null);
          if (submits && !revision) world.submitted.push(init?.body);
          if (submits && revision) world.revised?.push(decodeURIComponent(revision[1] ?? ""));
          const res = await fetch(input, init);
          if (submits && res.ok) world.opened?.push(((await res.clone().json()) as { id: string }).id);
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
   * One agent run that pauses at each interruption: a process opens the cases and stores the
   * serialised run state; the reviewer decides; a new process restores the state, resolves the
   * interruptions from Loopgate's decisions and runs on (or, with `resolveApart`, stores the resolved
   * state for a third process to run), until the run ends.
   */
  async function run(
    plan: unknown[],
    decisions: Array<Record<string, unknown>>,
    extra: { tamper?: Tamper; resolveApart?: boolean } = {},
  ) {
    const world: World = { paid: [], seen: [], submitted: [], revised: [], opened: [] };
    let current = agentProcess(world, plan);
    let result = await current.runner.run(current.agent, "Pay Acme");
    const interrupted: number[] = [];
    for (const decision of decisions) {
      interrupted.push(result.interruptions.length);
      const opened = await current.lg.submit(result);
      expect(opened.map((c) => c.route)).toEqual(["review"]);
      const saved = result.state.toString();
      expect((await decideNext(h.s, decision)).status).toBe(201);
      const next = agentProcess(world, plan, extra.tamper);
      let state = await RunState.fromString<undefined, typeof next.agent>(next.agent, saved);
      await next.lg.resolve(state);
      current = next;
      if (extra.resolveApart) {
        current = agentProcess(world, plan, extra.tamper);
        state = await RunState.fromString(current.agent, state.toString());
      }
      result = await current.runner.run(current.agent, state);
    }
    return { ...world, result, interrupted };
  }

  return Object.assign(h, { run, agentProcess });
}
