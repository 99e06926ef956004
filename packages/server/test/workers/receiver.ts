import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with the n-th request (0-based): answer with a status, or never answer. */
export type Answer = number | { status: number; afterMs?: number; headers?: Record<string, string> } | "hang";

/** A real webhook receiver on 127.0.0.1, port chosen by the OS. */
export async function startReceiver(answer: (n: number) => Answer = () => 200) {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const a = answer(received.length);
      received.push({ headers: req.headers, body });
      if (a === "hang") return;
      const { status, afterMs = 0, headers = {} } = typeof a === "number" ? { status: a } : a;
      setTimeout(() => {
        statuses.push(status);
        res.writeHead(status, headers).end("ok");
      }, afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Statuses in the order they were sent back. */
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it returns something truthy; fails after `timeoutMs` (a deadline, not a timing check). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
