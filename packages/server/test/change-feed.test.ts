import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Change } from "../src/change-feed/change-feed.js";
import { channelFor, PAYLOAD_LIMIT_BYTES } from "../src/change-feed/payload.js";
import { PostgresChangeFeed } from "../src/change-feed/postgres.js";
import { DecisionNotifier } from "../src/notifier.js";

/**
 * The PostgreSQL change feed between processes (each feed here stands for one process; they share
 * nothing but the database): batching into NOTIFY payloads, ignoring one's own, schemas kept apart,
 * and listening again after the connection drops. No tables needed: NOTIFY is all it uses.
 */

const PG_URL = process.env.LOOPGATE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const newSchema = () => `t_feed_${Math.random().toString(36).slice(2, 10)}`;

const opened: PostgresChangeFeed[] = [];
const clients: pg.Client[] = [];
async function feed(schema: string): Promise<PostgresChangeFeed> {
  const f = await PostgresChangeFeed.start({ url: PG_URL, schema, baseBackoffMs: 50 });
  opened.push(f);
  return f;
}
async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  clients.push(c);
  return c;
}

/** What a feed's listeners hear, with a way to wait for the n-th change. */
function recorder(f: PostgresChangeFeed) {
  const heard: Change[] = [];
  f.subscribe((c) => heard.push(c));
  return {
    heard,
    async until(predicate: (heard: Change[]) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(heard)) {
        if (Date.now() > deadline) throw new Error(`not heard in time; heard ${JSON.stringify(heard)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

const decided = (caseId: string): Change => ({ type: "decided", caseId, workflow: "wf" });

/** Waits (bounded) until the payloads a raw listener received carry `count` changes in all. */
async function carriedAll(payloads: string[], count: number): Promise<void> {
  const carried = () => payloads.reduce((n, p) => n + JSON.parse(p).changes.length, 0);
  for (const deadline = Date.now() + 5000; carried() < count && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(carried()).toBe(count);
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
});

describe("PostgreSQL change feed", () => {
  it("sends changes published together as one notification, and hears the others'", async () => {
    const schema = newSchema();
    const raw = await client();
    const notifications: string[] = [];
    raw.on("notification", (m) => notifications.push(m.payload ?? ""));
    await raw.query(`listen "${channelFor(schema)}"`);
    const [a, b] = [await feed(schema), await feed(schema)];
    const onB = recorder(b);
    const changes = Array.from({ length: 50 }, (_, i) => decided(`case_${i}`));
    for (const c of changes) a.publish(c);
    await onB.until((h) => h.length === 50);
    expect(onB.heard).toEqual(changes);
    await carriedAll(notifications, 50);
    expect(notifications).toHaveLength(1);
  });

  it("splits a batch too big for one payload, each under PostgreSQL's 8000 bytes, losing none", async () => {
    const schema = newSchema();
    const raw = await client();
    const payloads: string[] = [];
    raw.on("notification", (m) => payloads.push(m.payload ?? ""));
    await raw.query(`listen "${channelFor(schema)}"`);
    const [a, b] = [await feed(schema), await feed(schema)];
    const onB = recorder(b);
    // ~140 bytes each: about 57 to a payload.
    const changes = Array.from({ length: 400 }, (_, i) => decided(`case_${String(i).padStart(90, "0")}`));
    for (const c of changes) a.publish(c);
    await onB.until((h) => h.length === 400);
    expect(onB.heard).toEqual(changes);
    await carriedAll(payloads, 400);
    expect(payloads.length).toBeGreaterThan(1);
    expect(Math.max(...payloads.map((p) => Buffer.byteLength(p)))).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
  });

  it("delivers a change to its own process once (its own notification is ignored) and folds wake-ups into events", async () => {
    const schema = newSchema();
    const [a, b] = [await feed(schema), await feed(schema)];
    const onA = recorder(a);
    const onB = recorder(b);
    a.publish({ type: "wake", caseId: "case_1" });
    a.publish(decided("case_1"));
    a.publish({ type: "wake", caseId: "case_2" });
    await onB.until((h) => h.length === 2);
    // case_1's wake-up is carried by its event, which wakes its long-polls anyway.
    expect(onB.heard).toEqual([decided("case_1"), { type: "wake", caseId: "case_2" }]);
    // Notifications reach a listener in commit order: once A hears B's, its own came back before.
    b.publish(decided("case_3"));
    await onA.until((h) => h.some((c) => c.caseId === "case_3"));
    expect(onA.heard).toEqual([
      { type: "wake", caseId: "case_1" },
      decided("case_1"),
      { type: "wake", caseId: "case_2" },
      decided("case_3"),
    ]);
  });

  it("keeps schemas apart: processes on another schema of the database hear nothing", async () => {
    const [one, other] = [newSchema(), newSchema()];
    const [a, b] = [await feed(one), await feed(one)];
    const [c, d] = [await feed(other), await feed(other)];
    const onB = recorder(b);
    const onD = recorder(d);
    a.publish(decided("case_on_one"));
    await onB.until((h) => h.length === 1);
    // Committed after A's: had A's reached D's channel, it would have arrived first.
    c.publish(decided("case_on_other"));
    await onD.until((h) => h.length === 1);
    expect(onD.heard).toEqual([decided("case_on_other")]);
  });

  it("skips notifications that are not its own format, and strips fields it does not know", async () => {
    const schema = newSchema();
    const b = await feed(schema);
    const onB = recorder(b);
    const raw = await client();
    await raw.query("select pg_notify($1, 'not json')", [channelFor(schema)]);
    const payload = {
      from: "another process",
      changes: [{ ...decided("case_1"), secret: "x" }, { type: "dropped", caseId: "case_2" }, 42],
    };
    await raw.query("select pg_notify($1, $2)", [channelFor(schema), JSON.stringify(payload)]);
    await onB.until((h) => h.length === 1);
    expect(onB.heard).toEqual([decided("case_1")]);
  });

  it("listens again after its connection drops, wakes every waiter once, and hears the others again", async () => {
    const schema = newSchema();
    const [a, b] = [await feed(schema), await feed(schema)];
    const onB = recorder(b);
    // Re-reads on its own only after a minute: within the 10 s below, only a wake-up ends this wait.
    const notifier = new DecisionNotifier(b, { liveMs: 60_000, downMs: 60_000 });
    let settled = false;
    const waiting = notifier.waitFor("case_1", async () => settled, 60_000);
    const admin = await client();
    // The case settles while B cannot hear about it: nothing is published at all.
    settled = true;
    const { rows } = await admin.query(
      "select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'loopgate listen' and query = $1",
      [`listen "${channelFor(schema)}"`],
    );
    expect(rows).toHaveLength(2);
    const timedOut = new Promise((resolve) => setTimeout(() => resolve("still waiting"), 10_000).unref());
    expect(await Promise.race([waiting, timedOut])).toBe(true);
    expect(b.live).toBe(true);
    a.publish(decided("case_2"));
    await onB.until((h) => h.some((c) => c.caseId === "case_2"));
  });
});
