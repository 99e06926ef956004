// HTTP from the bench: single calls over keep-alive connections (node:http, lighter than fetch on a
// machine the server shares), and autocannon loads with a warm-up that is not counted.
import http from "node:http";
import autocannon from "autocannon";

const agent = new http.Agent({ keepAlive: true });

/** One JSON call: `{ status, body }` (body parsed when JSON, else the text). */
export function call(method, url, { token, body } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const json = (res.headers["content-type"] ?? "").includes("json");
        resolve({ status: res.statusCode, body: json && text ? JSON.parse(text) : text });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** `call`, failing with the server's answer unless the status is `expected`. */
export async function expectStatus(expected, method, url, opts) {
  const res = await call(method, url, opts);
  if (res.status !== expected) {
    throw new Error(
      `${method} ${url} answered ${res.status}, expected ${expected}: ${JSON.stringify(res.body)}`,
    );
  }
  return res.body;
}

/**
 * POSTs `body` to `url` from `connections` connections for `seconds` after `warmupSeconds` of the same
 * (JIT, page cache, prepared statements): 2xx answers per second, p99 and the failed requests (non-2xx,
 * errors, timeouts). A failed request fails the measurement unless `failures: "count"`, where failing
 * is part of what is measured (submits while reports run).
 */
export async function loadPost(url, body, { headers = {}, seconds, warmupSeconds, connections, failures }) {
  const opts = {
    url,
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
    connections,
  };
  if (warmupSeconds > 0) await autocannon({ ...opts, duration: warmupSeconds });
  const r = await autocannon({ ...opts, duration: seconds });
  const failed = r.non2xx + r.errors + r.timeouts;
  if (failed > 0 && failures !== "count") {
    throw new Error(`${failed} of ${r.requests.total} requests failed against ${url}`);
  }
  return { rps: r["2xx"] / r.duration, p99: r.latency.p99, total: r["2xx"], failed };
}
