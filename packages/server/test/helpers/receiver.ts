import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  answeredWith: number;
}

/**
 * A real webhook receiver on 127.0.0.1. `respond` decides the status for the n-th request (0-based),
 * so a test can make it fail a few times before succeeding.
 */
export async function startReceiver(respond: (n: number) => number = () => 200) {
  const deliveries: Delivery[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const status = respond(deliveries.length);
      deliveries.push({ headers: req.headers, body, answeredWith: status });
      res.writeHead(status).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    /** Resolves when `predicate` holds over the deliveries so far (checked on each new one). */
    async until(predicate: (d: Delivery[]) => boolean, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(deliveries)) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met; got ${deliveries.length} deliveries`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
