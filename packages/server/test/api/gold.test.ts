import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { reviewerKey } from "../helpers/review-rules.js";
import {
  ADMIN_TOKEN,
  ENGINES,
  type JsonResponse,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";
import { goldRefund, SHADOW_POLICIES } from "../helpers/shadows.js";

describe.each(ENGINES)("gold sets (%s)", (engine) => {
  let s: TestServer;
  let owner: { key: string; id: string };
  let other: { key: string; id: string };
  let auditor: { key: string; id: string };

  const addGold = (body: unknown, token: string = ADMIN_TOKEN, workflow = "shadow.catch") =>
    s.call("POST", `/v1/workflows/${workflow}/gold`, body, token);
  const addLines = (text: string, token: string = ADMIN_TOKEN): Promise<JsonResponse> =>
    fetch(`${s.url}/v1/workflows/shadow.catch/gold`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
      body: text,
    });
  const list = async (query = "") => {
    const res = await s.call("GET", `/v1/workflows/shadow.catch/gold${query}`);
    expect(res.status).toBe(200);
    return (await res.json()).items as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: SHADOW_POLICIES });
    // The workflow's owner is owner@example.com: the user with that username, here through their key.
    owner = await ownerKey(s, "owner@example.com");
    other = await reviewerKey(s, "someone-else");
    auditor = await reviewerKey(s, "auditor", [], "auditor");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("lets the owner add, list and disable known-answer cases; others may only read, or nothing", async () => {
    const added = await addGold(
      { items: [goldRefund(), goldRefund({ expected: "approve", proposal: { refund: 2500 } })] },
      owner.key,
    );
    expect(added.status).toBe(201);
    const { added: count, ids } = await added.json();
    expect(count).toBe(2);
    expect(ids).toHaveLength(2);

    const items = await list();
    expect(items.map((g) => g.id).sort()).toEqual([...ids].sort());
    expect(items.find((g) => g.expected === "reject")).toMatchObject({
      action: "refund",
      input: { amount: 2500, payee: "Acme" },
      expectedReason: "wrong_amount",
      note: "the refund is a tenth of the amount",
      createdBy: owner.id,
      disabledAt: null,
    });

    expect((await s.call("GET", "/v1/workflows/shadow.catch/gold", undefined, auditor.key)).status).toBe(200);
    const refused = await addGold({ items: [goldRefund()] }, other.key);
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/only the owner of workflow shadow.catch/);
    expect((await s.call("GET", "/v1/workflows/shadow.catch/gold", undefined, other.key)).status).toBe(403);
    expect(
      (await s.call("DELETE", `/v1/workflows/shadow.catch/gold/${ids[0]}`, undefined, other.key)).status,
    ).toBe(403);
    const automation = await s.newKey("automation");
    expect((await addGold({ items: [goldRefund()] }, automation.key)).status).toBe(403);

    const gone = await s.call("DELETE", `/v1/workflows/shadow.catch/gold/${ids[0]}`, undefined, owner.key);
    expect(gone.status).toBe(204);
    expect((await list()).map((g) => g.id)).toEqual([ids[1]]);
    const all = await list("?includeDisabled=true");
    expect(all.find((g) => g.id === ids[0])?.disabledAt).toEqual(expect.any(String));
    const again = await s.call("DELETE", `/v1/workflows/shadow.catch/gold/${ids[0]}`);
    expect(again.status).toBe(404);
    // Cleared for the next tests, which count what is stored.
    await s.call("DELETE", `/v1/workflows/shadow.catch/gold/${ids[1]}`);
  });

  it.each([
    [
      "a confidence above 1",
      { items: [goldRefund(), goldRefund({ confidence: 1.5 })] },
      400,
      "/items/1/confidence",
    ],
    [
      "a confidence given as text",
      { items: [goldRefund({ confidence: "0.9" })] },
      400,
      "/items/0/confidence",
    ],
    ["no expected answer", { items: [goldRefund({ expected: undefined })] }, 400, "/items/0/expected"],
    [
      "an expected answer that is not approve or reject",
      { items: [goldRefund({ expected: "maybe" })] },
      400,
      "/items/0/expected",
    ],
    ["an unknown field", { items: [goldRefund({ riskScore: 3 })] }, 400, "/items/0/riskScore"],
    ["no items", { items: [] }, 400, "/items"],
    ["an unknown action", { items: [goldRefund(), goldRefund({ action: "wire" })] }, 422, "/items/1/action"],
    [
      "a reason outside the taxonomy",
      { items: [goldRefund({ expectedReason: "fraud" })] },
      422,
      "/items/0/expectedReason",
    ],
    [
      "a case the policy decides alone",
      { items: [goldRefund(), goldRefund({ action: "pay", input: { amount: 100 }, confidence: 0.95 })] },
      422,
      "/items/1",
    ],
  ])("refuses %s, naming the item, and stores nothing", async (_what, body, status, field) => {
    const res = await addGold(body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = await res.json();
    expect(problem.field).toBe(field);
    if (field === "/items/1" && status === 422) expect(problem.detail).toMatch(/routes to auto/);
    expect(await list("?includeDisabled=true")).toHaveLength(2);
  });

  it("refuses an unknown workflow", async () => {
    const res = await addGold({ items: [goldRefund()] }, ADMIN_TOKEN, "no.such");
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toMatch(/unknown workflow "no.such"/);
  });

  it("reads JSON Lines, skipping blank lines", async () => {
    const text = [goldRefund(), "", goldRefund({ expected: "approve" }), goldRefund({ subject: "S-1" })]
      .map((l) => (typeof l === "string" ? l : JSON.stringify(l)))
      .join("\n");
    const res = await addLines(`${text}\n`);
    expect(res.status).toBe(201);
    expect((await res.json()).added).toBe(3);
    const ids = (await list()).map((g) => g.id as string);
    expect(ids).toHaveLength(3);
    for (const id of ids) await s.call("DELETE", `/v1/workflows/shadow.catch/gold/${id}`);
  });

  it.each([
    [
      "a bad value",
      [goldRefund(), goldRefund(), goldRefund({ confidence: 2 })],
      400,
      /^line 3: \/confidence must be <= 1/,
    ],
    [
      "text that is not JSON",
      [goldRefund(), "{not json", goldRefund()],
      400,
      /^line 2: \/ is not valid JSON/,
    ],
    [
      "an unknown action",
      [goldRefund(), goldRefund(), goldRefund(), goldRefund({ action: "wire" })],
      422,
      /^line 4: \/action unknown action "wire"/,
    ],
  ])("names the line of %s in JSON Lines and stores nothing", async (_what, lines, status, detail) => {
    const before = (await list("?includeDisabled=true")).length;
    const res = await addLines(lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n"));
    expect(res.status).toBe(status);
    const problem = await res.json();
    expect(problem.detail).toMatch(detail);
    expect(await list("?includeDisabled=true")).toHaveLength(before);
  });
});
