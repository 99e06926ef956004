import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

describe.each(ENGINES)("authentication and roles (%s)", (engine) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(engine);
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("serves /healthz and /openapi.json without a key", async () => {
    expect((await s.call("GET", "/healthz", undefined, null)).status).toBe(200);
    const doc = await (await s.call("GET", "/openapi.json", undefined, null)).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/cases", "/v1/cases/{id}", "/v1/queue/claim", "/v1/keys", "/v1/workflows"]),
    );
  });

  it("answers 401 problem+json without a key or with an unknown one", async () => {
    for (const token of [null, "lg_not_a_real_key"]) {
      const res = await s.call("GET", "/v1/workflows", undefined, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    }
  });

  it("answers 403 for the wrong role", async () => {
    const reviewer = (await s.newKey("reviewer")).key;
    const automation = (await s.newKey("automation")).key;
    const auditor = (await s.newKey("auditor")).key;
    expect((await s.call("POST", "/v1/cases", payment(), reviewer)).status).toBe(403);
    expect((await s.call("POST", "/v1/queue/claim", {}, automation)).status).toBe(403);
    expect((await s.call("POST", "/v1/queue/claim", {}, auditor)).status).toBe(403);
    const res = await s.call("POST", "/v1/keys", { name: "x", role: "admin" }, reviewer);
    expect(res.status).toBe(403);
    expect((await res.json()).detail).toMatch(/admin/);
  });

  it("answers 403 for a workflow outside the key's scope", async () => {
    const scoped = (await s.newKey("automation", ["test.other"])).key;
    const res = await s.call("POST", "/v1/cases", payment(), scoped);
    expect(res.status).toBe(403);
    expect((await res.json()).field).toBe("/workflow");
    const ok = await s.call(
      "POST",
      "/v1/cases",
      { workflow: "test.other", action: "send", input: {}, proposal: "hi", confidence: 0.2 },
      scoped,
    );
    expect(ok.status).toBe(201);

    const { id } = await (await s.call("POST", "/v1/cases", payment({ confidence: 0.1 }))).json();
    const scopedReviewer = (await s.newKey("reviewer", ["test.other"])).key;
    expect((await s.call("GET", `/v1/cases/${id}`, undefined, scopedReviewer)).status).toBe(403);
    const claim = await s.call("POST", "/v1/queue/claim", { workflows: ["test.payments"] }, scopedReviewer);
    expect(claim.status).toBe(403);
  });

  it("lists only the workflows a key may see, with owner and pattern", async () => {
    const scoped = (await s.newKey("reviewer", ["test.other"])).key;
    const all = await (await s.call("GET", "/v1/workflows")).json();
    expect(all.workflows.map((w: { workflow: string }) => w.workflow)).toEqual([
      "test.other",
      "test.payments",
    ]);
    expect(all.workflows[1]).toMatchObject({ owner: "owner@example.com", pattern: "review_and_approve" });
    const some = await (await s.call("GET", "/v1/workflows", undefined, scoped)).json();
    expect(some.workflows.map((w: { workflow: string }) => w.workflow)).toEqual(["test.other"]);
  });

  it("creates keys that work at once and stores only their hash", async () => {
    const res = await s.call("POST", "/v1/keys", { name: "bot", role: "automation" });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.key).toMatch(/^lg_/);
    expect((await s.call("POST", "/v1/cases", payment(), created.key)).status).toBe(201);
    const stored = await s.store.identity.getKey(created.id);
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.key);
  });

  it("refuses a key with an unknown role", async () => {
    const res = await s.call("POST", "/v1/keys", { name: "x", role: "superuser" });
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe("/role");
  });
});
