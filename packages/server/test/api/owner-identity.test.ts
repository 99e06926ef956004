import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyOf, newUser, ownerKey, signIn } from "../helpers/owners.js";
import {
  ENGINES,
  freshStorage,
  type JsonResponse,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";

/**
 * Issue 11, item 6: a workflow's owner is an identity (the user the policy's `owner` names, or a key
 * that belongs to them), the same on every owner's route; names never count; roles still bound owners.
 * own.pay's owner is written "Owner@Example.com"; the account is "owner@example.com".
 */
const OWNER_POLICIES = fileURLToPath(new URL("../fixtures/owner-policies", import.meta.url));
const WF = "own.pay";
/** An acknowledgement says what was done (issue 15, item 6). */
const DISMISS = { action: "dismissed" };

type Key = { key: string; id: string };

describe.each(ENGINES)("workflow ownership is an identity (%s)", (engine) => {
  let s: TestServer;
  const now = Date.parse("2026-11-03T09:00:00Z");
  let automation: string;
  let alice: Key;
  let bob: Key;
  let owner: Key;
  /** A key *named* like the policy's owner, belonging to no one: the attack of issue 11. */
  let namedLikeOwner: Key;
  /** A key of user mallory, whose display name is the owner's address. */
  let mallory: Key;
  /** A key of the auditor who owns own.audited. */
  let auditorOwner: Key;
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: OWNER_POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
    owner = await ownerKey(s, "owner@example.com");
    const res = await s.call("POST", "/v1/keys", { name: "Owner@Example.com", role: "reviewer" });
    namedLikeOwner = await res.json();
    await newUser(s, "mallory", { name: "Owner@Example.com" });
    mallory = await keyOf(s, "mallory");
    auditorOwner = await ownerKey(s, "auditor-owner@example.com", "auditor");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** A payment that waits for one person: of own.queue (to assign) or own.pay (to approve and revoke). */
  async function queued(workflow = "own.queue"): Promise<string> {
    const body = {
      workflow,
      action: "pay",
      input: { amount: 2000, payee: "Acme" },
      proposal: { pay: 2000, to: "Acme" },
      confidence: 0.99,
    };
    const res = await s.call("POST", "/v1/cases", body, automation);
    expect(res.status).toBe(201);
    return (await res.json()).id;
  }
  /** A case alice approved: held for the release window, so it may still be revoked. */
  async function held(): Promise<string> {
    const id = await queued(WF);
    const claimed = await s.call("POST", "/v1/queue/claim", { workflows: [WF] }, alice.key);
    expect((await claimed.json()).case.id).toBe(id);
    expect(
      (await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key)).status,
    ).toBe(201);
    return id;
  }
  /** An open alert on own.pay (one open alert per kind, workflow and reviewer: a reviewer of its own). */
  async function alert(): Promise<string> {
    const id = `alr_${Math.random().toString(36).slice(2, 10)}`;
    await s.store.oversight.insertAlerts([
      {
        id,
        kind: "rubber_stamp",
        workflow: WF,
        reviewer: `key_${id}`,
        evidence: {},
        createdAt: now,
        actor: "system",
      },
    ]);
    return id;
  }
  const gold = {
    items: [
      {
        action: "pay",
        input: { amount: 2500, payee: "Acme" },
        proposal: { pay: 250, to: "Acme" },
        confidence: 0.97,
        expected: "reject",
        expectedReason: "wrong_amount",
      },
    ],
  };

  /** Every owner's route on own.pay, with the status the owner gets. */
  async function ownerRoutes() {
    return [
      {
        name: "assign",
        method: "POST",
        path: `/v1/cases/${await queued()}/assign`,
        body: { to: bob.id },
        ok: 200,
      },
      {
        name: "revoke",
        method: "POST",
        path: `/v1/cases/${await held()}/revoke`,
        body: { reason: "wrong payee" },
        ok: 200,
      },
      { name: "audits", method: "POST", path: "/v1/audits/draw", body: { workflow: WF }, ok: 201 },
      { name: "gold", method: "POST", path: `/v1/workflows/${WF}/gold`, body: gold, ok: 201 },
      { name: "gold list", method: "GET", path: `/v1/workflows/${WF}/gold`, ok: 200 },
      { name: "run", method: "POST", path: "/v1/oversight/run", body: { workflow: WF }, ok: 200 },
      { name: "alerts", method: "GET", path: `/v1/oversight/alerts?workflow=${WF}`, ok: 200 },
      { name: "catch trials", method: "GET", path: `/v1/oversight/catch-trials?workflow=${WF}`, ok: 200 },
      { name: "shadow", method: "GET", path: `/v1/shadow?workflow=${WF}`, ok: 200 },
      { name: "thresholds", method: "GET", path: `/v1/thresholds?workflow=${WF}&maxError=0.1`, ok: 200 },
      { name: "exports", method: "GET", path: `/v1/exports/corrections?workflow=${WF}`, ok: 200 },
    ] as const;
  }

  async function expectRefused(res: JsonResponse, route: string) {
    expect(res.status, route).toBe(403);
    expect(res.headers.get("content-type"), route).toMatch(/application\/problem\+json/);
    expect((await res.json()).detail, route).toMatch(
      /owner of workflow own\.(pay|queue) \(Owner@Example\.com\)/,
    );
  }

  it("refuses a key named like the owner, and a user whose display name is the owner, on every owner's route", async () => {
    for (const r of await ownerRoutes()) {
      for (const impostor of [namedLikeOwner, mallory]) {
        const body = "body" in r ? r.body : undefined;
        await expectRefused(await s.call(r.method, r.path, body, impostor.key), r.name);
      }
    }
    // Acknowledging: an alert they may not read is not there for them.
    const id = await alert();
    for (const impostor of [namedLikeOwner, mallory]) {
      expect((await s.call("POST", `/v1/oversight/alerts/${id}/ack`, DISMISS, impostor.key)).status).toBe(
        404,
      );
    }
  });

  it("lets the owner's account, through a key of theirs, use every owner's route", async () => {
    for (const r of await ownerRoutes()) {
      const res = await s.call(r.method, r.path, "body" in r ? r.body : undefined, owner.key);
      expect(res.status, `${r.name}: ${await res.clone().text()}`).toBe(r.ok);
    }
    const ack = await s.call("POST", `/v1/oversight/alerts/${await alert()}/ack`, DISMISS, owner.key);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ acknowledgedBy: owner.id });
  });

  it("lets the owner signed in with a password act as owner (username matched ignoring case)", async () => {
    const session = await signIn(s, "OWNER@example.com");
    const id = await queued();
    const res = await session.call("POST", `/v1/cases/${id}/assign`, { to: bob.id });
    expect(res.status).toBe(200);
    expect((await session.call("GET", `/v1/thresholds?workflow=${WF}&maxError=0.1`)).status).toBe(200);
  });

  it("keeps an auditor owner read-only: reports yes; assign, audits, gold and alerts no", async () => {
    const wf = "own.audited";
    const read = [
      `/v1/thresholds?workflow=${wf}&maxError=0.1`,
      `/v1/exports/corrections?workflow=${wf}`,
      `/v1/oversight/alerts?workflow=${wf}`,
      `/v1/shadow?workflow=${wf}`,
    ];
    for (const path of read)
      expect((await s.call("GET", path, undefined, auditorOwner.key)).status, path).toBe(200);
    const acts = [
      ["/v1/audits/draw", { workflow: wf }],
      [`/v1/workflows/${wf}/gold`, gold],
      ["/v1/oversight/run", { workflow: wf }],
    ] as const;
    for (const [path, body] of acts) {
      const res = await s.call("POST", path, body, auditorOwner.key);
      expect(res.status, path).toBe(403);
      expect((await res.json()).detail, path).toMatch(
        /ownership: auditor-owner@example.com owns workflow own\.audited, but this key .* has the read-only auditor role/,
      );
    }
  });

  it("does not make the owner of one workflow the owner of another", async () => {
    const res = await s.call("GET", `/v1/shadow?workflow=${WF}`, undefined, auditorOwner.key);
    await expectRefused(res, "shadow");
  });
});

describe.each(ENGINES)("owners without an account (%s)", (engine) => {
  /** Starts a server on `storage` and returns the owners it warned about at start-up. */
  async function warnedOwners(
    storage: Awaited<ReturnType<typeof freshStorage>>,
    then?: (s: TestServer) => Promise<void>,
  ) {
    const lines: { level: number; workflow?: string; msg: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const s = await startTestServer(engine, { policyDir: OWNER_POLICIES, logger }, storage);
    try {
      await then?.(s);
    } finally {
      await s.close();
    }
    return lines.filter((l) => /matches no active user account/.test(l.msg)).map((l) => l.workflow);
  }

  it("warns at start-up about each workflow whose owner has no account, until it has one", async () => {
    const storage = await freshStorage(engine);
    try {
      const before = await warnedOwners(storage, async (s) => {
        expect(
          (
            await s.call("POST", "/v1/users", {
              username: "owner@example.com",
              password: "long enough!",
              role: "reviewer",
            })
          ).status,
        ).toBe(201);
      });
      expect(before.sort()).toEqual(["own.audited", "own.overlap", "own.pay", "own.queue"]);
      expect(await warnedOwners(storage)).toEqual(["own.audited"]);
    } finally {
      await storage.cleanup();
    }
  });
});
