import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ApiKeyRecord, type NewCase, NO_TIMING } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, webhook } from "./fixtures.js";

describe.each(ENGINES)("cases and keys (%s)", (engine) => {
  const t = useTestDatabase(engine);

  it("round-trips a case with every field set", async () => {
    const c: NewCase = newCase({
      action: "block_supplier",
      status: "queued",
      route: "human_only",
      riskClass: "high",
      confidence: 0.123456789,
      input: { amount: 12_345.67, supplier: "Ünïcødé GmbH ✓", lines: [{ sku: "A", qty: 2 }], flag: true },
      proposal: ["block", { until: null }],
      rationale: "supplier bank details changed yesterday",
      evidence: [{ doc: "invoice.pdf", page: 2 }, "note"],
      subject: "supplier:42",
      metadata: { source: "erp", tags: ["x", "y"] },
      context: { po: { supplier: "Other Ltd" } },
      explanation: {
        route: "human_only",
        riskClass: "high",
        boundary: "human_only",
        threshold: null,
        confidence: 0.123456789,
        triggers: ["supplier_mismatch"],
        reasons: ["block_supplier is human-only"],
        policyVersion: "sha256:abc",
      },
      idempotencyKey: "invoice-981",
      requestHash: "f00d",
      callbackUrl: "https://example.com/hook",
      submittedBy: "key_bot",
      policyVersion: "sha256:abc",
      createdAt: T0 + 123,
      priority: 0.4242,
      revisionOf: "case_first_version",
      version: 3,
      toolInputSchema: { type: "array", items: [{ const: "block" }], minItems: 2 },
      blindSampled: true,
    });
    const { case: stored, created } = await t.store.cases.insert(c, { events: submitted(c) });
    expect(created).toBe(true);
    const expected = {
      ...c,
      decidedAt: null,
      lease: null,
      assignedTo: null,
      ...NO_TIMING,
      goldId: null,
      overlapOf: null,
    };
    expect(stored).toEqual(expected);
    expect(await t.store.cases.get(c.id)).toEqual(expected);
  });

  it("round-trips the nullable fields as null", async () => {
    const c = newCase({ proposal: null });
    await t.store.cases.insert(c, { events: [] });
    const got = await t.store.cases.get(c.id);
    expect(got).toMatchObject({
      proposal: null,
      rationale: null,
      evidence: null,
      metadata: null,
      context: null,
    });
    expect(got).toMatchObject({ subject: null, idempotencyKey: null, callbackUrl: null });
    expect(got).toMatchObject({ revisionOf: null, version: 1, toolInputSchema: null });
  });

  it("stores an auto-routed case with its policy decision, events and webhook in one go", async () => {
    const c = newCase({ status: "decided", route: "auto" });
    const decision = {
      id: randomUUID(),
      decidedBy: "policy",
      verdict: "approve" as const,
      output: { pay: 1200 },
      reasonCode: null,
      note: null,
      claimedAt: null,
      decidedAt: T0 + 5,
      heldMs: null,
    };
    const outbox = webhook(c.id);
    const { case: stored } = await t.store.cases.insert(c, { events: submitted(c), decision, outbox });
    expect(stored).toMatchObject({ status: "decided", decidedAt: T0 + 5 });

    const detail = await t.store.cases.detail(c.id);
    expect(detail?.decisions).toEqual([{ ...decision, caseId: c.id }]);
    expect(detail?.events.map((e) => e.type)).toEqual(["submitted", "routed"]);
    expect(detail?.events[1]).toMatchObject({
      caseId: c.id,
      actor: "policy",
      data: { route: "auto" },
      at: T0,
    });
    const [first, second] = detail?.events ?? [];
    expect(second?.seq).toBeGreaterThan(first?.seq ?? Number.POSITIVE_INFINITY);
  });

  it("answers undefined for an unknown case", async () => {
    expect(await t.store.cases.get("nope")).toBeUndefined();
    expect(await t.store.cases.detail("nope")).toBeUndefined();
  });

  it("appends events in order, with or without a case", async () => {
    const c = newCase();
    await t.store.cases.insert(c, { events: submitted(c) });
    await t.store.cases.appendEvents([
      { type: "webhook_failed", caseId: c.id, actor: "system", data: { n: 1 }, at: T0 + 1 },
      { type: "webhook_delivered", caseId: c.id, actor: "system", data: { n: 2 }, at: T0 + 2 },
      { type: "released", caseId: null, actor: "system", data: {}, at: T0 + 3 },
    ]);
    const events = (await t.store.cases.detail(c.id))?.events ?? [];
    expect(events.map((e) => e.type)).toEqual(["submitted", "routed", "webhook_failed", "webhook_delivered"]);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(typeof events[0]?.seq).toBe("number");
  });

  it("stores API keys and finds them by token hash", async () => {
    const key: ApiKeyRecord = {
      id: "key_1",
      name: "ap reviewers",
      role: "reviewer",
      workflows: ["invoice.approve", "support.reply"],
      tokenHash: "a".repeat(64),
      signingSecret: "whsec_1",
      createdAt: T0,
    };
    expect(await t.store.identity.hasKeys()).toBe(false);
    await t.store.identity.insertKey(key);
    await t.store.identity.insertKey({
      ...key,
      id: "key_2",
      workflows: null,
      tokenHash: "b".repeat(64),
      role: "admin",
    });
    expect(await t.store.identity.hasKeys()).toBe(true);
    expect(await t.store.identity.findKeyByTokenHash("a".repeat(64))).toEqual(key);
    expect(await t.store.identity.getKey("key_2")).toMatchObject({ workflows: null, role: "admin" });
    expect(await t.store.identity.findKeyByTokenHash("c".repeat(64))).toBeUndefined();
    expect(await t.store.identity.getKey("key_3")).toBeUndefined();
    await expect(t.store.identity.insertKey({ ...key, id: "key_3" })).rejects.toThrow();
  });
});
