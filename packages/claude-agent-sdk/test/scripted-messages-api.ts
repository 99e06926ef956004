import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A content block the stand-in model answers with. */
export type Block = { type: "text"; text: string } | { type: "tool_use"; name: string; input: unknown };

/** One turn of the scripted model: what it answers, given the request the `claude` binary sent. */
export type Turn = (request: MessagesRequest) => Block[];

export interface MessagesRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string | Array<Record<string, unknown>> }[];
}

/**
 * A stand-in for the Anthropic Messages API (`POST /v1/messages`), so the real `claude` binary runs its
 * real tool loop with no provider and no network: each request gets the next scripted turn, as
 * server-sent events when the binary streams (it does by default) or as one JSON message when not.
 */
export async function scriptedMessagesApi(turns: Turn[]) {
  const requests: MessagesRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: req.url } }));
        return;
      }
      const request = JSON.parse(body) as MessagesRequest;
      requests.push(request);
      const turn = turns[requests.length - 1];
      const blocks = turn ? turn(request) : [{ type: "text" as const, text: "(script ended)" }];
      const content = blocks.map((b) => (b.type === "tool_use" ? { ...b, id: `toolu_${randomUUID()}` } : b));
      const message = {
        id: `msg_${randomUUID()}`,
        type: "message",
        role: "assistant",
        model: request.model,
        stop_reason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      };
      if (request.stream) streamMessage(res, message, content);
      else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...message, content }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The Messages API's event stream for one message: start, each block (start, delta, stop), end. */
function streamMessage(
  res: ServerResponse,
  message: Record<string, unknown>,
  content: Record<string, unknown>[],
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", { message: { ...message, content: [], stop_reason: null } });
  content.forEach((block, index) => {
    if (block.type === "text") {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    } else {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      send("content_block_delta", {
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: 1 },
  });
  send("message_stop", {});
  res.end();
}

/** The text of the tool result the binary sent back for the model's last tool call, and its error flag. */
export function lastToolResult(request: MessagesRequest): { text: string; isError: boolean } | undefined {
  for (const message of [...request.messages].reverse()) {
    if (typeof message.content === "string") continue;
    const result = message.content.find((b) => b.type === "tool_result");
    if (!result) continue;
    const parts = result.content;
    const text =
      typeof parts === "string"
        ? parts
        : (parts as { type: string; text?: string }[])
            .filter((p) => p.type === "text")
            .map((p) => p.text)
            .join("");
    // The binary appends its own notes (a token budget) to what the tool or canUseTool said.
    const said = text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "");
    return { text: said.trim(), isError: result.is_error === true };
  }
  return undefined;
}

/**
 * The reviewer's side: claims the next queued case as `token` and records `decision` on it. Patient,
 * unlike the server tests' `decideNext`: the `claude` binary takes a few seconds to start before its
 * first tool call reaches Loopgate.
 */
export async function decideWhenQueued(
  url: string,
  token: string,
  decision: Record<string, unknown>,
): Promise<Response> {
  const call = (path: string, body: unknown) =>
    fetch(url + path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 600; i++) {
    const res = await call("/v1/queue/claim", {});
    if (res.status === 200) {
      const { case: c } = (await res.json()) as { case: { id: string } };
      return call(`/v1/cases/${c.id}/decisions`, decision);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("nothing was queued to decide");
}
