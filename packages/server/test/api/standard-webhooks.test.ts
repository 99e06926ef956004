import { verifyWebhook } from "@loopgate/client";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Delivery, startReceiver } from "../helpers/receiver.js";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Webhooks in the Standard Webhooks format (issue 13, item 5), checked with the reference verifier
 * (`standardwebhooks`): the delivery id is signed, so a captured webhook replayed under a new id fails;
 * signing secrets rotate with an overlap during which both verify.
 */

const asHeaders = (d: Delivery | undefined) => (d?.headers ?? {}) as Record<string, string>;

describe.each(ENGINES)("Standard Webhooks (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string; id: string; signingSecret: string };
  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(engine);
    automation = await s.newKey("automation");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
  });

  /** Submits an auto-approved case with a callback and resolves to its delivery. */
  async function deliveryOfNewCase(): Promise<Delivery> {
    const res = await s.call("POST", "/v1/cases", payment({ callbackUrl: receiver.url }), automation.key);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await receiver.until((d) => d.some((x) => JSON.parse(x.body).caseId === id));
    return receiver.deliveries.find((x) => JSON.parse(x.body).caseId === id) as Delivery;
  }

  it("signs webhook-id, webhook-timestamp and the body so a standard verifier accepts it", async () => {
    const d = await deliveryOfNewCase();
    const headers = asHeaders(d);
    expect(headers["webhook-id"]).toMatch(/^whk_/);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers["loopgate-signature"]).toBeUndefined();
    expect(new Webhook(automation.signingSecret).verify(d.body, headers)).toEqual(JSON.parse(d.body));
    expect(await verifyWebhook({ secret: automation.signingSecret, headers, body: d.body })).toBe(true);
  });

  it("refuses a captured webhook replayed under a new id, a moved timestamp or another key's secret", async () => {
    const d = await deliveryOfNewCase();
    const headers = asHeaders(d);
    const wh = new Webhook(automation.signingSecret);
    const replayed = { ...headers, "webhook-id": "whk_replayed" };
    expect(() => wh.verify(d.body, replayed)).toThrow("No matching signature found");
    expect(await verifyWebhook({ secret: automation.signingSecret, headers: replayed, body: d.body })).toBe(
      false,
    );
    const moved = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 1) };
    expect(() => wh.verify(d.body, moved)).toThrow("No matching signature found");
    expect(() => wh.verify(`${d.body} `, headers)).toThrow("No matching signature found");
    // Replayed later, unchanged: too old for the verifier (5 minutes by default).
    const later = Date.now() + 301_000;
    expect(
      await verifyWebhook({ secret: automation.signingSecret, headers, body: d.body, nowMs: later }),
    ).toBe(false);
    const other = await s.newKey("automation");
    expect(() => new Webhook(other.signingSecret).verify(d.body, headers)).toThrow();
  });

  it("rotates a key's secret with overlap: both sign during it, only the new one after", async () => {
    const old = automation.signingSecret;
    const res = await s.call("POST", `/v1/keys/${automation.id}/signing-secret/rotate`, {
      overlapSeconds: 3600,
    });
    expect(res.status).toBe(200);
    const rotated = await res.json();
    expect(rotated).toMatchObject({ keyId: automation.id, header: "webhook-signature" });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(Date.parse(rotated.previousValidUntil)).toBeGreaterThan(Date.now());

    const during = await deliveryOfNewCase();
    expect(asHeaders(during)["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(() => new Webhook(rotated.secret).verify(during.body, asHeaders(during))).not.toThrow();
    expect(() => new Webhook(old).verify(during.body, asHeaders(during))).not.toThrow();

    // A second rotation with no overlap retires both earlier secrets at once (a leaked secret).
    const now = await (
      await s.call("POST", `/v1/keys/${automation.id}/signing-secret/rotate`, { overlapSeconds: 0 })
    ).json();
    const after = await deliveryOfNewCase();
    expect(asHeaders(after)["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(now.secret).verify(after.body, asHeaders(after))).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(after.body, asHeaders(after))).toThrow();
    expect(() => new Webhook(old).verify(after.body, asHeaders(after))).toThrow();
    automation.signingSecret = now.secret;
  });

  it("lets only an admin within the key's reach rotate its secret, and checks the overlap", async () => {
    const path = `/v1/keys/${automation.id}/signing-secret/rotate`;
    expect((await s.call("POST", path, {}, automation.key)).status).toBe(403);
    const scoped = await s.newKey("admin", ["test.payments"]);
    // The automation key reaches every workflow; an admin scoped to one must not take over its signing.
    expect((await s.call("POST", path, {}, scoped.key)).status).toBe(403);
    const tooLong = await s.call("POST", path, { overlapSeconds: 365 * 86_400 });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).field).toBe("/overlapSeconds");
    expect((await s.call("POST", "/v1/keys/key_nobody/signing-secret/rotate", {})).status).toBe(404);
  });

  it("gives each workflow its own alert secret, rotated with overlap", async () => {
    const get = async () =>
      (await s.call("GET", "/v1/oversight/alerts/secret?workflow=test.payments")).json();
    const before = await get();
    expect(before.secrets).toEqual([{ secret: before.secret, validUntil: null }]);
    const rotated = await (
      await s.call("POST", "/v1/oversight/alerts/secret/rotate", {
        workflow: "test.payments",
        overlapSeconds: 60,
      })
    ).json();
    const after = await get();
    expect(after.secret).toBe(rotated.secret);
    expect(after.secrets.map((x: { secret: string }) => x.secret)).toEqual([rotated.secret, before.secret]);
    expect(after.secrets[1].validUntil).toBe(rotated.previousValidUntil);
    const reviewer = await s.newKey("reviewer");
    expect(
      (await s.call("GET", "/v1/oversight/alerts/secret?workflow=test.payments", undefined, reviewer.key))
        .status,
    ).toBe(403);
  });
});

describe.each(ENGINES)("legacy webhook signature (%s)", (engine) => {
  it("also sends Loopgate-Signature when LOOPGATE_LEGACY_WEBHOOK_SIGNATURE is set", async () => {
    const receiver = await startReceiver();
    const s = await startTestServer(engine, { legacyWebhookSignature: true });
    try {
      const automation = await s.newKey("automation");
      await s.call("POST", "/v1/cases", payment({ callbackUrl: receiver.url }), automation.key);
      await receiver.until((d) => d.length === 1);
      const d = receiver.deliveries[0] as Delivery;
      const header = d.headers["loopgate-signature"] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(d.headers["loopgate-delivery"]).toBe(d.headers["webhook-id"]);
      expect(await verifyWebhook({ secret: automation.signingSecret, header, body: d.body })).toBe(true);
      expect(() => new Webhook(automation.signingSecret).verify(d.body, asHeaders(d))).not.toThrow();
    } finally {
      await s.close();
      await s.storage.cleanup();
      await receiver.close();
    }
  });
});
