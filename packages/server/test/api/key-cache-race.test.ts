import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { KeyCache, makeAuthenticator } from "../../src/http/identity/auth.js";
import { HttpProblem } from "../../src/http/problem.js";
import { createKey } from "../../src/keys.js";
import type { Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "../store/engines.js";

/**
 * Revocation at once in the process that revokes (issue 13, item 6), against the one interleaving
 * key-lifecycle.test.ts cannot reach over HTTP: a request with the key reads it from the database,
 * the revocation commits and clears the cache, and only then does that request put what it read into
 * the cache. Before, every later request with the revoked key worked for up to KEY_CACHE_MS.
 */
describe.each(ENGINES)("the key cache and a revocation racing a lookup (%s)", (engine) => {
  const t = useTestDatabase(engine);

  /** The store, with key lookups calling `read` once they have read the database, then held at `gate`. */
  function heldLookups(store: Store, read: () => void, gate: Promise<void>): Store {
    const identity = Object.create(store.identity) as Store["identity"];
    identity.findKeyByTokenHash = async (hash) => {
      const found = await store.identity.findKeyByTokenHash(hash);
      read();
      await gate;
      return found;
    };
    return Object.assign(Object.create(store) as Store, { identity });
  }

  const request = (token: string) =>
    ({ headers: { authorization: `Bearer ${token}` }, routeOptions: { config: {} } }) as FastifyRequest;

  it("does not cache a key read just before its revocation", async () => {
    const now = Date.now();
    const { record, token } = await createKey(t.store, { name: "leaky", role: "automation", now });
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let readDone = () => {};
    const read = new Promise<void>((r) => {
      readDone = r;
    });
    const cache = new KeyCache();
    const slow = makeAuthenticator(heldLookups(t.store, readDone, gate), () => now, "secret", cache);
    const fast = makeAuthenticator(t.store, () => now, "secret", cache);

    const inFlight = slow(request(token), undefined as never);
    // Its lookup has read the live key; now the revoke route's two steps run.
    await read;
    await t.store.identity.revokeKey(record.id, now);
    cache.forgetAll();
    open();
    await inFlight; // it began before the revocation, so it may still pass

    const after = fast(request(token), undefined as never);
    await expect(after).rejects.toBeInstanceOf(HttpProblem);
    await expect(after).rejects.toMatchObject({ status: 401 });
  });
});
