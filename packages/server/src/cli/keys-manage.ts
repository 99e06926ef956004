import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  keyIsLive,
  MAX_ROTATION_OVERLAP_SECONDS,
  rotateKey,
} from "../keys.js";
import type { ApiKeyRecord } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { STORAGE_FLAGS, storageOf, withExistingStore } from "./storage.js";
import { runCommand, UsageError } from "./usage.js";

/**
 * `loopgate keys list|revoke|rotate`: straight on storage, with the database's full power (like
 * `keys create`). A server running beside it notices within its key cache's bound (5 s).
 */

const iso = (ms: number | null | undefined) => (ms == null ? "-" : new Date(ms).toISOString());

function statusOf(k: ApiKeyRecord, now: number): string {
  return k.revokedAt != null ? "revoked" : keyIsLive(k, now) ? "active" : "expired";
}

/** One line per key: id, status, role, name, scope, owner, expiry; never a token. */
export function runKeysList(args: string[]): Promise<number> {
  return runCommand("keys list", async () => {
    const { values } = parseFlags(args, { ...STORAGE_FLAGS, json: { type: "boolean" } });
    const now = Date.now();
    const keys = await withExistingStore(storageOf(values), (store) => store.identity.listKeys());
    if (values.json) {
      const view = keys.map(({ tokenHash: _t, previousTokenHash: _p, signingSecret: _s, ...k }) => ({
        ...k,
        status: statusOf(k as ApiKeyRecord, now),
      }));
      console.log(JSON.stringify(view, null, 2));
      return 0;
    }
    for (const k of keys) {
      const scope = k.workflows ? k.workflows.join(",") : "*";
      const overlap =
        k.previousExpiresAt != null && k.previousExpiresAt > now
          ? ` old-token-until=${iso(k.previousExpiresAt)}`
          : "";
      console.log(
        `${k.id}\t${statusOf(k, now)}\t${k.role}\t${k.name}\tworkflows=${scope}\tuser=${k.userId ?? "-"}\texpires=${iso(k.expiresAt)}${k.bootstrap ? "\tbootstrap" : ""}${overlap}`,
      );
    }
    return 0;
  });
}

export function runKeysRevoke(args: string[]): Promise<number> {
  return runCommand("keys revoke", async () => {
    const { values, positionals } = parseFlags(args, STORAGE_FLAGS);
    const [id] = positionals;
    if (!id || positionals.length > 1) throw new UsageError("usage: loopgate keys revoke KEY_ID");
    return withExistingStore(storageOf(values), async (store) => {
      const key = await store.identity.getKey(id);
      if (!key) throw new UsageError(`no key ${id}`);
      const revoked = await store.identity.revokeKey(id, Date.now());
      console.log(revoked ? `revoked ${id} (${key.name})` : `${id} (${key.name}) was already revoked`);
      return 0;
    });
  });
}

/** Prints the new token on stdout (the only time it is shown); the old one lives for the overlap. */
export function runKeysRotate(args: string[]): Promise<number> {
  return runCommand("keys rotate", async () => {
    const { values, positionals } = parseFlags(args, {
      ...STORAGE_FLAGS,
      "overlap-seconds": { type: "string" },
    });
    const [id] = positionals;
    if (!id || positionals.length > 1) {
      throw new UsageError("usage: loopgate keys rotate KEY_ID [--overlap-seconds N]");
    }
    const given = values["overlap-seconds"] as string | undefined;
    const overlap = given === undefined ? DEFAULT_ROTATION_OVERLAP_SECONDS : Number(given);
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
      throw new UsageError(
        `--overlap-seconds must be a whole number from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
      );
    }
    return withExistingStore(storageOf(values), async (store) => {
      const now = Date.now();
      const key = await store.identity.getKey(id);
      if (!key) throw new UsageError(`no key ${id}`);
      if (!keyIsLive(key, now)) throw new UsageError(`key ${id} is ${statusOf(key, now)}; make a new one`);
      const token = await rotateKey(store, id, overlap, now);
      if (token === undefined) throw new UsageError(`key ${id} was revoked meanwhile`);
      console.log(token);
      console.error(
        `rotated ${id} (${key.name}); the old token works until ${new Date(now + overlap * 1000).toISOString()}`,
      );
      return 0;
    });
  });
}

/** `--expires` of `keys create`: a span ahead (30d, 12h, 90m) or an ISO date-time in the future. */
export function parseExpires(value: string, now: number): number {
  const span = /^(\d+)([dhm])$/.exec(value);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
  const at = span ? now + Number(span[1]) * unit[span[2] as keyof typeof unit] : Date.parse(value);
  if (Number.isNaN(at) || at <= now) {
    throw new UsageError(
      `--expires must be a span ahead (30d, 12h, 90m) or a future ISO date-time; got "${value}"`,
    );
  }
  return at;
}
