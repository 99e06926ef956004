import { verifyWebhook } from "@loopgate/client";
import { afterAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, type freshStorage, payment, startTestServer, type TestServer } from "../helpers/server.js";

describe.each(ENGINES)("decision webhooks (%s)", (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function server(storage?: Awaited<ReturnType<typeof freshStorage>>): Promise<TestServer> {
    const s = await startTestServer(engine, {}, storage);
    return s;
  }

  it("delivers a reviewed decision, signed with the submitting key's secret", async () => {
    const receiver = await startReceiver();
    const s = await server();
    cleanups.push(receiver.close, async () => {
      await s.close();
      await s.storage.cleanup();
    });
    const automation = await s.newKey("automation");
    const { id } = await (
      await s.call(
        "POST",
        "/v1/cases",
        payment({ confidence: 0.2, callbackUrl: receiver.url }),
        automation.key,
      )
    ).json();
    await s.call("POST", "/v1/queue/claim", {});
    await s.call("POST", `/v1/cases/${id}/decisions`, {
      verdict: "edit",
      output: { pay: 99 },
      reasonCode: "wrong_amount",
    });
    await receiver.until((d) => d.length === 1);
    const [delivery] = receiver.deliveries;
    const body = JSON.parse(delivery?.body ?? "{}");
    expect(body).toMatchObject({
      type: "case.decided",
      caseId: id,
      verdict: "edit",
      output: { pay: 99 },
      reasonCode: "wrong_amount",
    });
    const headers = delivery?.headers ?? {};
    expect(
      await verifyWebhook({ secret: automation.signingSecret, headers, body: delivery?.body ?? "" }),
    ).toBe(true);
    expect(await verifyWebhook({ secret: "whsec_d3Jvbmc=", headers, body: delivery?.body ?? "" })).toBe(
      false,
    );
  });

  it("retries a failing receiver and delivers exactly once when it recovers", async () => {
    const receiver = await startReceiver((n) => (n < 2 ? 503 : 200));
    const s = await server();
    cleanups.push(receiver.close, async () => {
      await s.close();
      await s.storage.cleanup();
    });
    const automation = await s.newKey("automation");
    const { id, route } = await (
      await s.call("POST", "/v1/cases", payment({ callbackUrl: receiver.url }), automation.key)
    ).json();
    expect(route).toBe("auto");
    await receiver.until((d) => d.some((x) => x.answeredWith === 200));
    await new Promise((r) => setTimeout(r, 300)); // room for a wrongful extra delivery to show up
    expect(receiver.deliveries.map((d) => d.answeredWith)).toEqual([503, 503, 200]);
    // Deliveries are the automation's business: its own view of the case lists them, an admin's does not.
    const eventsAs = async (token?: string) =>
      (await (await s.call("GET", `/v1/cases/${id}`, undefined, token)).json()).events.map(
        (e: { type: string }) => e.type,
      );
    const events = await eventsAs(automation.key);
    expect(events.filter((t: string) => t === "webhook_failed")).toHaveLength(2);
    expect(events.filter((t: string) => t === "webhook_delivered")).toHaveLength(1);
    expect(await eventsAs()).toEqual(["submitted", "routed", "decided"]);
  });

  it("still delivers after the server is restarted mid-retry", async () => {
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 200 : 500));
    cleanups.push(receiver.close);
    const first = await server();
    const automation = await first.newKey("automation");
    await first.call("POST", "/v1/cases", payment({ callbackUrl: receiver.url }), automation.key);
    await receiver.until((d) => d.length >= 1);
    await first.close();

    healthy = true;
    const second = await server(first.storage);
    cleanups.push(async () => {
      await second.close();
      await second.storage.cleanup();
    });
    await receiver.until((d) => d.some((x) => x.answeredWith === 200));
    expect(receiver.deliveries.filter((d) => d.answeredWith === 200)).toHaveLength(1);
  });
});
