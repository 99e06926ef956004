import type { FastifyInstance } from "fastify";

/** A response of the Loopgate API as the MCP tools read it: the status and the parsed JSON body. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/**
 * How the MCP tools reach Loopgate: through its own HTTP API, with the caller's key. Both transports
 * go through the routes an automation would call (authentication, key scope, policy routing,
 * idempotency, rate limit, the long-poll woken by the change feed), so MCP adds no second path to a
 * decision. `/mcp` injects the requests in-process; `loopgate mcp` (stdio) sends them over the network.
 */
export type LoopgateApi = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
) => Promise<ApiResponse>;

/** The API of this very server, called in-process with the MCP request's own Authorization header. */
export function injectedApi(app: FastifyInstance, authorization: string): LoopgateApi {
  return async (method, path, body, signal) => {
    const res = await app.inject({
      method,
      url: path,
      headers: {
        authorization,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
    return { status: res.statusCode, body: parseJson(res.body) };
  };
}

/** A running server's API over HTTP, for the stdio bridge (`loopgate mcp --url … --key …`). */
export function remoteApi(baseUrl: string, key: string): LoopgateApi {
  const base = baseUrl.replace(/\/+$/, "");
  return async (method, path, body, signal) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
    return { status: res.status, body: parseJson(await res.text()) };
  };
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What a refusal says, from its problem+json body: "403 Forbidden: This key (…) is not scoped to …". */
export function problemText(res: ApiResponse): string {
  const b = res.body as { title?: unknown; detail?: unknown; errors?: { field: string; message: string }[] };
  const head = `${res.status}${typeof b?.title === "string" ? ` ${b.title}` : ""}`;
  const detail = typeof b?.detail === "string" ? b.detail : typeof b === "string" ? b : "";
  const fields = Array.isArray(b?.errors) ? b.errors.map((e) => `${e.field} ${e.message}`) : [];
  const more = fields.filter((f) => !detail.includes(f));
  return [`${head}: ${detail}`.trim(), ...more].join("; ");
}
