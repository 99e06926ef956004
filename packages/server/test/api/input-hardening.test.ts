import { connect } from "node:net";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/canonical-json.js";
import { maxJsonDepthFrom } from "../../src/http/json-body.js";
import {
  ADMIN_TOKEN,
  ENGINES,
  type JsonResponse,
  payment,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";

/** `levels` objects nested inside each other: {"a":{"a":…{}}}. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** The same as raw text, so a test can send more brackets than JSON.stringify would walk. */
const deepText = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

const NUL = "\u0000";

/** Claims cases as the admin until it holds `id`, so a decision on it can be recorded. */
async function claimCase(s: TestServer, id: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const res = await s.call("POST", "/v1/queue/claim", {});
    expect(res.status).toBe(200);
    if ((await res.json()).case.id === id) return;
  }
  throw new Error(`could not claim ${id}`);
}

async function expectRefused(res: JsonResponse, field: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
  const problem = JSON.parse(text);
  expect(problem.field).toBe(field);
  expect(problem.errors[0].field).toBe(field);
  return problem;
}

describe("canonical JSON is iterative", () => {
  it("writes 100,000 levels of nesting without overflowing the stack", () => {
    const levels = 100_000;
    expect(canonicalJson(JSON.parse(deepText(levels)))).toBe(deepText(levels));
  });

  it("writes exactly what the recursive version wrote, so stored hashes still match", () => {
    // The version before this one, kept as the oracle: request hashes in the database were made by it.
    const recursive = (value: unknown): string => {
      if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
      if (Array.isArray(value)) return `[${value.map(recursive).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${recursive(v)}`).join(",")}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => canonicalJson(value) === recursive(value)),
      { seed: 13, numRuns: 500 },
    );
  });

  it("sorts keys at every level and drops undefined members, as before", () => {
    expect(canonicalJson({ b: [1, { d: null, c: "x" }], a: undefined, c: { z: true, y: [] } })).toBe(
      '{"b":[1,{"c":"x","d":null}],"c":{"y":[],"z":true}}',
    );
    expect(canonicalJson([undefined, "\u0000", 1.5])).toBe('[null,"\\u0000",1.5]');
  });
});

describe.each(ENGINES)("deeply nested JSON bodies (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("refuses a case whose input nests 3,200 levels deep (6 KB of brackets) with a 400 naming /input", async () => {
    const body = `{"workflow":"test.payments","action":"pay","confidence":0.5,"proposal":{},"input":{"x":${deepText(3200)}}}`;
    const problem = await expectRefused(await s.call("POST", "/v1/cases", body, automation), "/input");
    expect(problem.detail).toMatch(/deeper than 64 levels/);
    // The pointer goes to the first array past the limit: /input/x, then 62 more levels of index 0.
    expect(problem.pointer).toBe(`/input/x${"/0".repeat(62)}`);
  });

  it("accepts exactly 64 levels (the body itself counts as one) and refuses 65", async () => {
    const ok = await s.call("POST", "/v1/cases", payment({ input: nested(63) }), automation);
    expect(ok.status).toBe(201);
    const { id } = await ok.json();
    expect((await (await s.call("GET", `/v1/cases/${id}`)).json()).input).toEqual(nested(63));
    await expectRefused(
      await s.call("POST", "/v1/cases", payment({ input: nested(64) }), automation),
      "/input",
    );
  });

  it("refuses an edit whose output nests too deeply, naming /output", async () => {
    const submitted = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }), automation);
    const { id } = await submitted.json();
    await claimCase(s, id);
    const body = `{"verdict":"edit","reasonCode":"wrong_amount","output":${deepText(3200)}}`;
    await expectRefused(await s.call("POST", `/v1/cases/${id}/decisions`, body), "/output");
    // The case is untouched and still decidable.
    const decided = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" });
    expect(decided.status).toBeLessThan(300);
  });

  it("refuses a deep body on a route without a JSON document (a key's name), naming the top-level field", async () => {
    const body = `{"name":${deepText(100)},"role":"reviewer"}`;
    await expectRefused(await s.call("POST", "/v1/keys", body), "/name");
  });

  it("refuses deep gold items, in JSON and in JSON Lines", async () => {
    const item = `{"action":"pay","input":{"x":${deepText(3200)}},"proposal":{},"confidence":0.5,"expected":"reject"}`;
    await expectRefused(
      await s.call("POST", "/v1/workflows/test.payments/gold", `{"items":[${item}]}`),
      "/items",
    );
    const lines = await fetch(`${s.url}/v1/workflows/test.payments/gold`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
      body: `${item}\n`,
    });
    expect(lines.status).toBe(400);
  });
});

describe("LOOPGATE_MAX_JSON_DEPTH", () => {
  let s: TestServer;
  beforeAll(async () => {
    process.env.LOOPGATE_MAX_JSON_DEPTH = "8";
    try {
      s = await startTestServer("sqlite");
    } finally {
      delete process.env.LOOPGATE_MAX_JSON_DEPTH;
    }
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("sets the limit", async () => {
    const automation = (await s.newKey("automation")).key;
    expect((await s.call("POST", "/v1/cases", payment({ input: nested(7) }), automation)).status).toBe(201);
    const problem = await expectRefused(
      await s.call("POST", "/v1/cases", payment({ input: nested(8) }), automation),
      "/input",
    );
    expect(problem.detail).toMatch(/deeper than 8 levels/);
  });

  it.each(["deep", "0", "1.5", "100000"])("refuses %s, which would stop start-up", (value) => {
    expect(() => maxJsonDepthFrom({ LOOPGATE_MAX_JSON_DEPTH: value })).toThrow(
      /LOOPGATE_MAX_JSON_DEPTH must be a whole number from 1 to 1000/,
    );
  });
});

describe.each(ENGINES)("NUL characters (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let queued: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
    queued = (await (await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }), automation)).json()).id;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it.each([
    ["subject", "/subject"],
    ["idempotencyKey", "/idempotencyKey"],
    ["rationale", "/rationale"],
    ["riskClass", "/riskClass"],
    ["workflow", "/workflow"],
    ["action", "/action"],
  ])("refuses a case whose %s holds one, naming it", async (name, field) => {
    const res = await s.call("POST", "/v1/cases", payment({ [name]: `a${NUL}b` }), automation);
    const problem = await expectRefused(res, field);
    expect(problem.detail).toMatch(/NUL/);
  });

  it("refuses one in an id in the path, on every route that takes an id", async () => {
    const id = encodeURIComponent(`${queued}${NUL}`);
    for (const [method, path, body] of [
      ["GET", `/v1/cases/${id}`, undefined],
      ["GET", `/v1/cases/${id}/decision`, undefined],
      ["POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }],
      ["POST", `/v1/cases/${id}/outcome`, { outcome: "ok" }],
      ["POST", `/v1/audits/${id}/verdict`, { verdict: "agree" }],
      ["POST", `/v1/oversight/alerts/${id}/ack`, undefined],
      ["DELETE", `/v1/workflows/test.payments/gold/${id}`, undefined],
      ["GET", `/v1/workflows/${id}/gold`, undefined],
    ] as const) {
      const res = await s.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect((await res.json()).detail).toMatch(/params must not contain the NUL character/);
    }
  });

  it("refuses one in a query filter, naming it", async () => {
    for (const path of [
      `/v1/audits?workflow=test.payments%00`,
      `/v1/oversight/alerts?kind=%00`,
      `/v1/metrics/governance?workflow=test.payments&groupBy=%00`,
      `/v1/exports/corrections?reviewer=a%00`,
      `/v1/cases/${queued}/decision?waitSeconds=1%00`,
    ]) {
      const res = await s.call("GET", path);
      expect(res.status, path).toBe(400);
      expect((await res.json()).detail).toMatch(/querystring must not contain the NUL character/);
    }
    // A NUL in a parameter's name is refused too, rather than left for a handler to stumble on.
    await expectRefused(await s.call("GET", "/v1/audits?a%00=1"), "/a\u0000");
  });

  it("refuses one in user names, key names and reason codes", async () => {
    await expectRefused(
      await s.call("POST", "/v1/users", {
        username: `ann${NUL}`,
        password: "long enough!",
        role: "reviewer",
      }),
      "/username",
    );
    await expectRefused(
      await s.call("POST", "/v1/users", {
        username: "ann",
        password: "long enough!",
        role: "reviewer",
        name: `Ann${NUL}`,
      }),
      "/name",
    );
    await expectRefused(await s.call("POST", "/v1/keys", { name: `k${NUL}`, role: "reviewer" }), "/name");
    await expectRefused(
      await s.call("POST", "/v1/session", { username: `ann${NUL}`, password: "long enough!" }, null),
      "/username",
    );
    await expectRefused(
      await s.call("POST", `/v1/cases/${queued}/decisions`, {
        verdict: "reject",
        reasonCode: `x${NUL}`,
      }),
      "/reasonCode",
    );
  });

  it("refuses one in a gold item, in JSON and in JSON Lines", async () => {
    const item = { action: "pay", input: {}, proposal: {}, confidence: 0.5, expected: "reject" };
    await expectRefused(
      await s.call("POST", "/v1/workflows/test.payments/gold", { items: [{ ...item, subject: `s${NUL}` }] }),
      "/items/0/subject",
    );
    await expectRefused(
      await s.call("POST", "/v1/workflows/test.payments/gold", { items: [{ ...item, note: `n${NUL}` }] }),
      "/items/0/note",
    );
    const lines = await fetch(`${s.url}/v1/workflows/test.payments/gold`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
      body: `${JSON.stringify({ ...item, subject: `s${NUL}` })}\n`,
    });
    expect(lines.status).toBe(400);
  });

  it("keeps one inside JSON documents (input, proposal, metadata, context, an edit's output), escaped", async () => {
    const doc = { text: `a${NUL}b`, [`k${NUL}`]: [NUL] };
    const res = await s.call(
      "POST",
      "/v1/cases",
      payment({ confidence: 0.5, input: doc, proposal: doc, metadata: doc, context: doc }),
      automation,
    );
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const view = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(view).toMatchObject({ input: doc, proposal: doc, metadata: doc, context: doc });

    await claimCase(s, id);
    const edited = await s.call("POST", `/v1/cases/${id}/decisions`, {
      verdict: "edit",
      reasonCode: "wrong_amount",
      output: doc,
    });
    expect(edited.status).toBeLessThan(300);
    expect((await (await s.call("GET", `/v1/cases/${id}/decision`)).json()).output).toEqual(doc);

    const outcome = await s.call("POST", `/v1/cases/${id}/outcome`, { result: "incorrect", details: doc });
    expect(outcome.status).toBe(201);
    expect((await outcome.json()).details).toEqual(doc);
  });

  it("leaves headers to Node's parser, which refuses a raw NUL before any route runs", async () => {
    const { port } = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(`GET /v1/cases/${queued} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0000b\r\n\r\n`);
      });
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString();
      });
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("refuses a session cookie that decodes to NUL like any unknown session (401, not 500)", async () => {
    const res = await fetch(`${s.url}/v1/session`, { headers: { cookie: "loopgate_session=a%00b" } });
    expect(res.status).toBe(401);
  });

  it.runIf(engine === "postgres")(
    "stores those documents as JSON text with the NUL still escaped",
    async () => {
      const client = new pg.Client({ connectionString: s.storage.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT input FROM "${s.storage.schema}".cases WHERE input LIKE '%\\u0000%' LIMIT 1`,
        );
        expect(rows[0]?.input).toContain("\\u0000");
      } finally {
        await client.end();
      }
    },
  );
});
