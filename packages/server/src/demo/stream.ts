import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createKey } from "../keys.js";
import type { Store } from "../store/index.js";
import { demoCase } from "./cases.js";

/**
 * Submits example cases through the real API (an in-process request, same validation and policy as an
 * automation's), a batch at start and then one every `intervalMs`. Only workflows that are loaded are
 * used, so a custom policy directory gets no noise.
 */
export async function startDemoStream(args: {
  app: FastifyInstance;
  store: Store;
  workflows: Set<string>;
  logger: Logger;
  initial?: number;
  intervalMs?: number;
}): Promise<{ stop(): void; routes: Record<string, number> }> {
  const { token } = await createKey(args.store, {
    name: "demo-automation",
    role: "automation",
    now: Date.now(),
  });
  const seed = Date.now() % 100_000;
  let n = 0;
  const routes: Record<string, number> = {};
  const submitOne = async () => {
    for (let tries = 0; tries < 8; tries++) {
      const submission = demoCase(seed, n++);
      if (!args.workflows.has(submission.workflow)) continue;
      const res = await args.app.inject({
        method: "POST",
        url: "/v1/cases",
        headers: { authorization: `Bearer ${token}` },
        payload: submission,
      });
      const body = res.json() as { route?: string };
      const outcome = res.statusCode >= 300 ? "refused" : (body.route ?? "unknown");
      routes[outcome] = (routes[outcome] ?? 0) + 1;
      if (res.statusCode >= 300) args.logger.warn({ status: res.statusCode, body }, "demo case refused");
      return;
    }
  };
  for (let i = 0; i < (args.initial ?? 12); i++) await submitOne();
  const timer = setInterval(() => {
    submitOne().catch((err) => args.logger.warn({ err }, "demo case failed"));
  }, args.intervalMs ?? 20_000);
  timer.unref();
  return { stop: () => clearInterval(timer), routes };
}
