import { randomUUID } from "node:crypto";
import { Conflict } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { ApiKeyRecord, SessionRecord, UserRecord } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { T0 } from "./fixtures.js";

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: `usr_${randomUUID()}`,
    username: `u${randomUUID().slice(0, 8)}`,
    name: "Ada Reviewer",
    role: "reviewer",
    workflows: null,
    passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA",
    createdAt: T0,
    disabledAt: null,
    ...overrides,
  };
}

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomUUID().replaceAll("-", ""),
    userId: null,
    keyId: null,
    createdAt: T0,
    expiresAt: T0 + 60_000,
    ...overrides,
  };
}

describe.each(ENGINES)("users, sessions and settings (%s)", (engine) => {
  const t = useTestDatabase(engine);

  it("round-trips a user with every field", async () => {
    const u = user({ workflows: ["invoice.approve", "support.reply"], role: "auditor", disabledAt: T0 + 5 });
    await t.store.identity.insertUser(u);
    expect(await t.store.identity.getUser(u.id)).toEqual(u);
    expect(await t.store.identity.findUserByUsername(u.username)).toEqual(u);
    expect(await t.store.identity.getUser("usr_missing")).toBeUndefined();
    expect(await t.store.identity.findUserByUsername("nobody-here")).toBeUndefined();
  });

  it("finds usernames ignoring case and refuses a duplicate that differs only in case", async () => {
    const u = user({ username: `Grace.${randomUUID().slice(0, 6)}` });
    await t.store.identity.insertUser(u);
    expect((await t.store.identity.findUserByUsername(u.username.toUpperCase()))?.id).toBe(u.id);
    expect((await t.store.identity.findUserByUsername(u.username.toLowerCase()))?.username).toBe(u.username);
    await expect(
      t.store.identity.insertUser(user({ username: u.username.toLowerCase() })),
    ).rejects.toBeInstanceOf(Conflict);
    await expect(t.store.identity.insertUser(user({ username: u.username }))).rejects.toThrow(/is taken/);
  });

  it("lets exactly one of several concurrent creates of a username win", async () => {
    const username = `race-${randomUUID().slice(0, 8)}`;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        t.store.identity.insertUser(user({ username: i % 2 ? username : username.toUpperCase() })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    }
  });

  it("stores sessions for users and for keys, and finds them only until they expire", async () => {
    const u = user();
    await t.store.identity.insertUser(u);
    const key: ApiKeyRecord = {
      id: `key_${randomUUID()}`,
      name: "reviewer key",
      role: "reviewer",
      workflows: null,
      tokenHash: randomUUID(),
      signingSecret: "whsec_x",
      createdAt: T0,
    };
    await t.store.identity.insertKey(key);
    const forUser = session({ userId: u.id });
    const forKey = session({ keyId: key.id, expiresAt: T0 + 10_000 });
    await t.store.identity.insertSession(forUser);
    await t.store.identity.insertSession(forKey);

    expect(await t.store.identity.findSession(forUser.id, T0 + 1)).toEqual(forUser);
    expect(await t.store.identity.findSession(forKey.id, T0 + 9_999)).toEqual(forKey);
    // Expiry is exclusive: at expiresAt the session is over.
    expect(await t.store.identity.findSession(forKey.id, T0 + 10_000)).toBeUndefined();
    expect(await t.store.identity.findSession("unknown", T0)).toBeUndefined();
  });

  it("refuses a session that belongs to nobody, or to both a user and a key", async () => {
    await expect(t.store.identity.insertSession(session())).rejects.toThrow(/exactly one/);
    await expect(
      t.store.identity.insertSession(session({ userId: "usr_a", keyId: "key_b" })),
    ).rejects.toThrow(/exactly one/);
  });

  it("deletes one session, and sweeps only the expired ones", async () => {
    const u = user();
    await t.store.identity.insertUser(u);
    const live = session({ userId: u.id, expiresAt: T0 + 100_000 });
    const ended = session({ userId: u.id, expiresAt: T0 + 100_000 });
    const expiredA = session({ userId: u.id, expiresAt: T0 + 1_000 });
    const expiredB = session({ userId: u.id, expiresAt: T0 + 2_000 });
    for (const s of [live, ended, expiredA, expiredB]) await t.store.identity.insertSession(s);

    await t.store.identity.deleteSession(ended.id);
    await t.store.identity.deleteSession("never-existed");
    expect(await t.store.identity.findSession(ended.id, T0)).toBeUndefined();

    // Other tests' sessions may also be swept; count at least ours.
    expect(await t.store.identity.deleteExpiredSessions(T0 + 2_000)).toBeGreaterThanOrEqual(2);
    expect(await t.store.identity.findSession(expiredA.id, T0)).toBeUndefined();
    expect(await t.store.identity.findSession(expiredB.id, T0)).toBeUndefined();
    expect(await t.store.identity.findSession(live.id, T0 + 2_000)).toEqual(live);
    expect(await t.store.identity.deleteExpiredSessions(T0 + 2_000)).toBe(0);
  });

  it("creates a secret once and returns the same one to every process, even when they race", async () => {
    const other = await t.db.open();
    const name = `secret-${randomUUID()}`;
    const values = await Promise.all([
      t.store.identity.getOrCreateSecret(name),
      other.identity.getOrCreateSecret(name),
      t.store.identity.getOrCreateSecret(name),
      other.identity.getOrCreateSecret(name),
    ]);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.store.identity.getOrCreateSecret(`${name}-2`)).not.toBe(values[0]);
  });
});
