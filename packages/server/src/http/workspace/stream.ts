import type { ServerResponse } from "node:http";
import type { FastifyPluginAsync } from "fastify";
import type { CaseEvent } from "../../case-events.js";
import type { AppContext } from "../context.js";
import { canAccessWorkflow, requireRole } from "../identity/auth.js";
import { problemResponses } from "../schemas.js";

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;
/** A client this far behind is cut off (EventSource reconnects and the UI re-reads what it shows). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Live updates for the workspace as server-sent events: `event: case` with `{type, caseId, workflow}`
 * for the workflows the caller may see, and `event: resync` when changes may have been missed (the
 * PostgreSQL change feed reconnected): re-read everything. Only ids travel here; the UI reads what changed through the
 * normal routes, which apply the caller's scope and blind-first rules.
 */
export const streamRoutes = (ctx: AppContext): FastifyPluginAsync => {
  return async (app) => {
    const open = new Set<ServerResponse>();
    // Before the HTTP server stops accepting and waits for its connections to finish: an open stream
    // never finishes by itself, so `close()` would wait forever. (onClose runs after that wait.)
    app.addHook("preClose", async () => {
      for (const res of open) res.end();
      open.clear();
    });

    app.get(
      "/v1/stream",
      {
        schema: {
          summary: "Live case updates (text/event-stream): submitted, claimed, decided, released",
          tags: ["workspace"],
          produces: ["text/event-stream"],
          response: { ...problemResponses },
        },
      },
      async (request, reply) => {
        const p = requireRole(request, "reviewer", "auditor");
        // Fastify answers HEAD with the GET handler; a HEAD has no body, so no stream to hold open.
        if (request.method === "HEAD") return reply.type("text/event-stream; charset=utf-8").send();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          connection: "keep-alive",
          // nginx buffers responses unless told not to; events would arrive in bursts.
          "x-accel-buffering": "no",
        });
        const send = (text: string) => {
          if (res.writableEnded) return;
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            res.end();
            return;
          }
          res.write(text);
        };
        const unsubscribe = ctx.caseEvents.subscribe((event: CaseEvent) => {
          if (canAccessWorkflow(p, event.workflow)) send(`event: case\ndata: ${JSON.stringify(event)}\n\n`);
        });
        // Other processes' changes made while this one's feed was reconnecting never reach the stream.
        const stopResync = ctx.caseEvents.onResync(() => send("event: resync\ndata: {}\n\n"));
        const timer = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
        timer.unref();
        const stop = () => {
          clearInterval(timer);
          unsubscribe();
          stopResync();
          open.delete(res);
        };
        // The response's close fires when the client goes away as well as when we end the stream.
        res.on("close", stop);
        open.add(res);
        send("retry: 3000\n: connected\n\n");
      },
    );
  };
};
