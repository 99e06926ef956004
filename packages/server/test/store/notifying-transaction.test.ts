import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Change } from "../../src/change-feed/change-feed.js";
import { channelFor, PAYLOAD_LIMIT_BYTES } from "../../src/change-feed/payload.js";
import { PostgresChangeFeed } from "../../src/change-feed/postgres.js";
import type { StoreEngine } from "../../src/store/engine.js";
import { payment, startTestServer, type TestServer } from "../helpers/server.js";
import { createPostgresEngine, PG_URL } from "./engines.js";

/**
 * A transaction that tells the other processes itself (engine.notifyingTransaction): its NOTIFY rides
 * with its COMMIT, so they hear exactly when it commits, and only if it does. A decision uses it, so a
 * long-poll on another process wakes at the decision's commit rather than after a NOTIFY of its own.
 */

const decided = (caseId: string): Change => ({ type: "decided", caseId, workflow: "test.payments" });

let pgEngine: Awaited<ReturnType<typeof createPostgresEngine>>;
let engine: StoreEngine;
let schema: string;
const feeds: PostgresChangeFeed[] = [];
const clients: pg.Client[] = [];

beforeAll(async () => {
  pgEngine = await createPostgresEngine();
  engine = pgEngine.engine;
  schema = pgEngine.db.location.schema as string;
  await sql`create table ledger (note text not null)`.execute(engine.db);
});
afterAll(async () => {
  await Promise.all(feeds.map((f) => f.close()));
  await Promise.all(clients.map((c) => c.end()));
  await pgEngine?.destroy();
});

async function feed(on = schema): Promise<PostgresChangeFeed> {
  const f = await PostgresChangeFeed.start({ url: PG_URL, schema: on });
  feeds.push(f);
  return f;
}

/** A plain LISTEN on `on`'s channel: every payload that reaches the database's listeners. */
async function rawListener(on: string): Promise<string[] & { client: pg.Client; senders: number[] }> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  clients.push(c);
  const payloads = Object.assign([] as string[], { client: c, senders: [] as number[] });
  c.on("notification", (m) => {
    payloads.push(m.payload ?? "");
    payloads.senders.push(m.processId);
  });
  await c.query(`listen "${channelFor(on)}"`);
  return payloads;
}

/** What `f`'s listeners hear, with a bounded wait for a condition on it. */
function heardBy(f: PostgresChangeFeed) {
  const heard: Change[] = [];
  f.subscribe((c) => heard.push(c));
  return {
    heard,
    async until(predicate: (heard: Change[]) => boolean) {
      for (const deadline = Date.now() + 5000; !predicate(heard); ) {
        if (Date.now() > deadline) throw new Error(`not heard in time; heard ${JSON.stringify(heard)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Waits (at most 5 s) for `condition`; the assertions after it say what was expected. */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !condition() && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

const notes = async () =>
  (await sql<{ note: string }>`select note from ledger order by note`.execute(engine.db)).rows.map(
    (r) => r.note,
  );

describe("a transaction that notifies with its commit (PostgreSQL)", () => {
  it("reaches the other processes once, when it commits, and not before", async () => {
    const [a, b] = [await feed(), await feed()];
    const onB = heardBy(b);
    const raw = await rawListener(schema);
    let heardBeforeCommit: Change[] | undefined;
    await engine.notifyingTransaction(a.noticeFor([decided("case_1")]), async (trx) => {
      await sql`insert into ledger (note) values ('one')`.execute(trx);
      // A round trip inside the transaction: had the notice gone out already, B would hear it meanwhile.
      await new Promise((r) => setTimeout(r, 100));
      heardBeforeCommit = [...onB.heard];
    });
    expect(heardBeforeCommit).toEqual([]);
    await onB.until((h) => h.length === 1);
    expect(onB.heard).toEqual([decided("case_1")]);
    // Another connection hears it on its own time: B hearing first says nothing of when the raw one does.
    await until(() => raw.length > 0);
    expect(raw).toHaveLength(1);
    expect(JSON.parse(raw[0] as string).changes).toEqual([decided("case_1")]);
  });

  it("tells no one of a transaction that rolled back", async () => {
    const [a, b] = [await feed(), await feed()];
    const onB = heardBy(b);
    await expect(
      engine.notifyingTransaction(a.noticeFor([decided("case_undone")]), async (trx) => {
        await sql`insert into ledger (note) values ('undone')`.execute(trx);
        throw new Error("refused half-way");
      }),
    ).rejects.toThrow("refused half-way");
    // Notifications reach a listener in commit order: once B hears this one, the other would be in.
    a.publish(decided("case_after"));
    await onB.until((h) => h.length >= 1);
    expect(onB.heard).toEqual([decided("case_after")]);
    expect(await notes()).not.toContain("undone");
  });

  it("commits nothing when PostgreSQL refuses the notice, instead of committing without telling", async () => {
    const tooBig = { channel: channelFor(schema), payloads: ["x".repeat(PAYLOAD_LIMIT_BYTES + 100)] };
    await expect(
      engine.notifyingTransaction(tooBig, async (trx) => {
        await sql`insert into ledger (note) values ('refused notice')`.execute(trx);
      }),
    ).rejects.toThrow(/payload string too long/);
    expect(await notes()).not.toContain("refused notice");
    // The connection is usable again: the next transaction commits.
    await engine.notifyingTransaction(undefined, (trx) =>
      sql`insert into ledger (note) values ('next')`.execute(trx),
    );
    expect(await notes()).toContain("next");
  });

  it("gives no notice for a change too big for one payload, so the caller publishes after the commit", async () => {
    const a = await feed();
    const huge: Change = { type: "decided", caseId: "c".repeat(PAYLOAD_LIMIT_BYTES), workflow: "wf" };
    expect(a.noticeFor([huge])).toBeUndefined();
    expect(a.noticeFor([decided("case_small")])?.payloads).toHaveLength(1);
  });
});

describe("a decision on PostgreSQL tells the other processes in its own transaction", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("postgres");
  });
  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("the claim and the decision each send one notification, with their commit; a refused decision none", async () => {
    const raw = await rawListener(s.storage.schema as string);
    /**
     * What `request` made the database send: the one notification it committed, and the application of
     * the connection that sent it.
     */
    const sentBy = async (request: () => Promise<unknown>) => {
      const at = raw.length;
      await request();
      // Sent with the COMMIT, so committed before the answer: PostgreSQL hands a listener what committed
      // before its next query ends. (Sent by the feed after the answer, it would be a race.)
      await raw.client.query("select 1");
      expect(raw.length).toBe(at + 1);
      const { rows } = await raw.client.query(
        "select application_name from pg_stat_activity where pid = $1",
        [raw.senders[at]],
      );
      return { changes: JSON.parse(raw[at] as string).changes, sender: rows[0]?.application_name };
    };
    const reviewer = await s.newKey("reviewer");
    const submitted = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }));
    expect(submitted.status).toBe(201);
    const { id } = await submitted.json();
    // The submit's goes out from the feed's own connection after its answer (submits are batched).
    await until(() => raw.some((p) => p.includes(id)));
    const byClaim = await sentBy(async () => {
      const claimed = await s.call("POST", "/v1/queue/claim", {}, reviewer.key);
      expect((await claimed.json()).case.id).toBe(id);
    });
    expect(byClaim.changes).toEqual([{ type: "claimed", caseId: id, workflow: "test.payments" }]);
    // By the connection that committed the claim, not by the feed's own ("loopgate notify") after it.
    expect(byClaim.sender).toEqual(expect.any(String));
    expect(byClaim.sender).not.toBe("loopgate notify");

    const byDecision = await sentBy(async () => {
      const decision = await s.call(
        "POST",
        `/v1/cases/${id}/decisions`,
        { verdict: "approve" },
        reviewer.key,
      );
      expect(decision.status).toBe(201);
    });
    expect(byDecision.changes).toEqual([{ type: "decided", caseId: id, workflow: "test.payments" }]);
    expect(byDecision.sender).not.toBe("loopgate notify");

    const again = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, reviewer.key);
    expect(again.status).toBe(409);
    // Nothing more for this case: a change published after it (a new submit) is the next to arrive.
    const later = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }));
    const laterId = (await later.json()).id;
    const from = raw.length;
    await until(() => raw.join("").includes(laterId));
    const rest = raw.slice(from).flatMap((p) => JSON.parse(p).changes as Change[]);
    expect(rest).toEqual([{ type: "submitted", caseId: laterId, workflow: "test.payments" }]);
  });
});
