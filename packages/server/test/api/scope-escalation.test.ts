import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser } from "../helpers/owners.js";
import { ENGINES, type JsonResponse, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 11, item 5: a principal creates keys and users only within its own role and workflows. Each
 * attack is performed and refused with problem+json naming the field; the allowed path still works.
 * The fixture policies define test.payments and test.other.
 */
describe.each(ENGINES)("scope escalation (%s)", (engine) => {
  let s: TestServer;
  /** An admin key scoped to test.payments only. */
  let scopedAdmin: string;
  let reviewer: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    scopedAdmin = (await s.newKey("admin", ["test.payments"])).key;
    reviewer = (await s.newKey("reviewer")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const key = (body: Record<string, unknown>, token?: string) =>
    s.call("POST", "/v1/keys", { name: `k-${Math.random()}`, ...body }, token);
  const user = (body: Record<string, unknown>, token?: string) =>
    s.call(
      "POST",
      "/v1/users",
      { username: `u${Math.random().toString(36).slice(2, 10)}`, password: "long enough pw", ...body },
      token,
    );
  /** The attack's answer: `status`, problem+json, naming the field (when one is to blame) and the rule. */
  async function refused(res: JsonResponse, status: number, field: string | null, detail: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = await res.json();
    expect(problem).toMatchObject({ status, detail: expect.stringMatching(detail) });
    if (field !== null) expect(problem.field).toBe(field);
  }

  it("refuses an unscoped key or user from a scoped admin (no workflows means every workflow)", async () => {
    await refused(
      await key({ role: "admin" }, scopedAdmin),
      403,
      "/workflows",
      /scope: this key .* is scoped to test\.payments, so it cannot grant every workflow/,
    );
    await refused(
      await user({ role: "admin" }, scopedAdmin),
      403,
      "/workflows",
      /scope: .*cannot grant every workflow/,
    );
  });

  it("refuses a scoped admin granting a workflow outside its scope", async () => {
    await refused(
      await key({ role: "reviewer", workflows: ["test.payments", "test.other"] }, scopedAdmin),
      403,
      "/workflows/1",
      /cannot grant workflow test\.other/,
    );
    await refused(
      await user({ role: "reviewer", workflows: ["test.other"] }, scopedAdmin),
      403,
      "/workflows/0",
      /cannot grant workflow test\.other/,
    );
  });

  it("refuses workflows: [] (it is not 'every workflow'), from every admin", async () => {
    for (const token of [scopedAdmin, undefined]) {
      await refused(await key({ role: "admin", workflows: [] }, token), 400, "/workflows", /fewer than 1/);
      await refused(await user({ role: "admin", workflows: [] }, token), 400, "/workflows", /fewer than 1/);
    }
  });

  it("refuses a scope naming a workflow no policy defines, naming the item", async () => {
    await refused(
      await key({ role: "reviewer", workflows: ["test.payments", "test.paymnts"] }),
      400,
      "/workflows/1",
      /workflow "test\.paymnts" is not defined by any loaded policy/,
    );
    await refused(
      await user({ role: "reviewer", workflows: ["nope"] }),
      400,
      "/workflows/0",
      /"nope" is not defined/,
    );
  });

  it("refuses a key above the role of the user it would belong to, or wider than their scope", async () => {
    await newUser(s, "rita", { role: "reviewer", workflows: ["test.payments"] });
    await refused(
      await key({ role: "admin", workflows: ["test.payments"], user: "rita" }),
      403,
      "/role",
      /user rita, whose key it would be, is reviewer, so it cannot grant the admin role/,
    );
    await refused(
      await key({ role: "reviewer", user: "rita" }),
      403,
      "/workflows",
      /user rita, whose key it would be, is scoped to test\.payments/,
    );
    await refused(await key({ role: "reviewer", user: "nobody" }), 422, "/user", /no active user "nobody"/);
    const ok = await key({ role: "reviewer", workflows: ["test.payments"], user: "rita" });
    expect(ok.status).toBe(201);
  });

  it("refuses a scoped admin making a key for a user who reaches beyond its scope", async () => {
    await newUser(s, "root", { role: "admin" });
    await refused(
      await key({ role: "reviewer", workflows: ["test.payments"], user: "root" }, scopedAdmin),
      403,
      "/user",
      /cannot make a key for user root, who reaches further/,
    );
    await newUser(s, "pat", { role: "reviewer", workflows: ["test.payments"] });
    const ok = await key({ role: "reviewer", workflows: ["test.payments"], user: "pat" }, scopedAdmin);
    expect(ok.status).toBe(201);
  });

  it("refuses anyone but an admin creating keys or users", async () => {
    await refused(await key({ role: "reviewer" }, reviewer), 403, null, /needs the admin role/);
    expect((await user({ role: "reviewer" }, reviewer)).status).toBe(403);
  });

  it("lets a scoped admin create keys and users within its scope, and they work there only", async () => {
    const res = await key({ role: "reviewer", workflows: ["test.payments"] }, scopedAdmin);
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ role: "reviewer", workflows: ["test.payments"], userId: null });
    const seen = await (await s.call("GET", "/v1/workflows", undefined, created.key)).json();
    expect(seen.workflows.map((w: { workflow: string }) => w.workflow)).toEqual(["test.payments"]);

    const admin = await key({ role: "admin", workflows: ["test.payments"] }, scopedAdmin);
    expect(admin.status).toBe(201);
    const u = await user({ role: "auditor", workflows: ["test.payments"] }, scopedAdmin);
    expect(u.status).toBe(201);
    expect(await u.json()).toMatchObject({ role: "auditor", workflows: ["test.payments"] });
    // The unscoped admin still creates unscoped principals.
    expect(await (await key({ role: "admin" })).json()).toMatchObject({ workflows: null });
  });

  it("lets a scoped admin read and rotate only its own workflows' alert signing secrets", async () => {
    // Each workflow's alerts have their own secret: holding one never lets anyone forge another's.
    const read = (workflow: string, token?: string) =>
      s.call("GET", `/v1/oversight/alerts/secret?workflow=${workflow}`, undefined, token);
    await refused(await read("test.other", scopedAdmin), 403, null, /only the owner of workflow test\.other/);
    await refused(
      await s.call("POST", "/v1/oversight/alerts/secret/rotate", { workflow: "test.other" }, scopedAdmin),
      403,
      null,
      /only the owner of workflow test\.other/,
    );
    const own = await read("test.payments", scopedAdmin);
    expect(own.status).toBe(200);
    const other = await (await read("test.other")).json();
    expect((await own.json()).secret).not.toBe(other.secret);
  });
});
