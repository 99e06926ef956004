import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelFor } from "../../src/change-feed/payload.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { invoice, openStream, submit, triage, WORKSPACE_POLICIES } from "../helpers/workspace.js";

/** Waits (bounded) until `check` holds; for state that settles asynchronously, such as a closed socket. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(ENGINES)("live updates: GET /v1/stream (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let reviewer: { key: string; id: string };
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: WORKSPACE_POLICIES });
    automation = (await s.newKey("automation")).key;
    reviewer = await s.newKey("reviewer");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("sends submitted, claimed, decided and released events to a connected client", async () => {
    const stream = await openStream(s, reviewer.key);
    try {
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get("content-type")).toMatch(/^text\/event-stream/);

      const id = await submit(s, invoice(), automation);
      expect(await stream.next((e) => e.caseId === id)).toEqual({
        type: "submitted",
        caseId: id,
        workflow: "ws.invoices",
      });
      await s.call("POST", "/v1/queue/claim", { workflows: ["ws.invoices"] }, reviewer.key);
      expect(await stream.next((e) => e.caseId === id)).toMatchObject({ type: "claimed" });
      await s.call("POST", `/v1/cases/${id}/release`, undefined, reviewer.key);
      expect(await stream.next((e) => e.caseId === id)).toMatchObject({ type: "released" });
      await s.call("POST", "/v1/queue/claim", { workflows: ["ws.invoices"] }, reviewer.key);
      expect(await stream.next((e) => e.caseId === id)).toMatchObject({ type: "claimed" });
      const decided = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, reviewer.key);
      expect(decided.status).toBe(201);
      expect(await stream.next((e) => e.caseId === id)).toEqual({
        type: "decided",
        caseId: id,
        workflow: "ws.invoices",
      });

      // A case the policy decides at once is submitted and decided in one go.
      const auto = await submit(s, invoice({ input: { amount: 20, supplier: "Acme" } }), automation);
      expect(await stream.next((e) => e.caseId === auto)).toMatchObject({ type: "submitted" });
      expect(await stream.next((e) => e.caseId === auto)).toMatchObject({ type: "decided" });
    } finally {
      stream.close();
    }
  });

  it.runIf(engine === "postgres")(
    "tells a connected client to re-read when the change feed lost its connection, and streams on",
    async () => {
      const stream = await openStream(s, reviewer.key);
      const admin = new pg.Client({ connectionString: s.storage.databaseUrl });
      await admin.connect();
      try {
        // Changes other processes commit while the feed is down are never replayed: the client must re-read.
        const { rows } = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'loopgate listen' and query = $1",
          [`listen "${channelFor(s.storage.schema ?? "public")}"`],
        );
        expect(rows).toHaveLength(1);
        expect(await stream.resynced(10_000)).toBe(true);
        const id = await submit(s, invoice(), automation);
        expect(await stream.next((e) => e.caseId === id)).toMatchObject({ type: "submitted" });
      } finally {
        await admin.end();
        stream.close();
      }
    },
  );

  it("only tells a client about the workflows in its scope", async () => {
    const scoped = await s.newKey("reviewer", ["ws.triage"]);
    const stream = await openStream(s, scoped.key);
    try {
      await submit(s, invoice(), automation);
      const seen = await submit(s, triage(), automation);
      // Events arrive in order, so the invoice case would have come first.
      expect(await stream.next()).toEqual({ type: "submitted", caseId: seen, workflow: "ws.triage" });
    } finally {
      stream.close();
    }
  });

  it("refuses callers without a key, and automation keys", async () => {
    const anonymous = await s.call("GET", "/v1/stream", undefined, null);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).status).toBe(401);
    const res = await s.call("GET", "/v1/stream", undefined, automation);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await res.json()).detail).toMatch(/reviewer or auditor/);
    // HEAD gets the headers and no stream to hold open.
    const head = await s.call("HEAD", "/v1/stream", undefined, reviewer.key);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/event-stream/);
  });

  it("stops listening when the client goes away", async () => {
    // The earlier tests' clients are gone too.
    await eventually(() => s.caseEvents.listenerCount === 0);
    const stream = await openStream(s, reviewer.key);
    expect(s.caseEvents.listenerCount).toBe(1);
    stream.close();
    await eventually(() => s.caseEvents.listenerCount === 0);
    // Publishing afterwards reaches nobody and breaks nothing.
    await submit(s, triage(), automation);
  });
});

describe("closing the server with streams open", () => {
  it("ends the streams instead of waiting for them", async () => {
    const s = await startTestServer("sqlite", { policyDir: WORKSPACE_POLICIES });
    let closed = false;
    try {
      const reviewer = await s.newKey("reviewer");
      const streams = await Promise.all([openStream(s, reviewer.key), openStream(s, reviewer.key)]);
      // An in-process request (what the demo stream uses) still works while streams are open.
      const injected = await s.app.inject({ method: "GET", url: "/healthz" });
      expect(injected.statusCode).toBe(200);
      await s.close();
      closed = true;
      for (const stream of streams) expect(await stream.ended()).toBe(true);
    } finally {
      if (!closed) await s.close();
      await s.storage.cleanup();
    }
  });
});
