import { createHash } from "node:crypto";
import type { CaseEventType, Change } from "./change-feed.js";

/**
 * How changes travel between processes on PostgreSQL: the channel a schema's processes share, and the
 * NOTIFY payloads (JSON, `{"from": process, "changes": [...]}`) that carry them.
 */

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in the server's encoding; ours are ASCII ids). */
export const PAYLOAD_LIMIT_BYTES = 7999;

/** Identifiers, channel names included, are cut to NAMEDATALEN - 1 = 63 bytes. */
const MAX_CHANNEL_BYTES = 63;
const CHANNEL_PREFIX = "loopgate_changes.";

/**
 * The channel of the processes sharing `schema`: NOTIFY reaches every listener of the database, so test
 * schemas (and deployments sharing a database under different schemas) need channels of their own.
 * A schema name too long to fit is hashed instead.
 */
export function channelFor(schema: string): string {
  const readable = CHANNEL_PREFIX + schema;
  if (Buffer.byteLength(readable) <= MAX_CHANNEL_BYTES) return readable;
  return CHANNEL_PREFIX + createHash("sha256").update(schema).digest("hex").slice(0, 40);
}

/**
 * The changes of one flush, fewest first: a wake-up for a case that also has an event in the batch
 * is dropped (every change wakes its case's long-polls), and so is a repeated wake-up.
 */
export function coalesce(changes: readonly Change[]): Change[] {
  const evented = new Set(changes.filter((c) => c.type !== "wake").map((c) => c.caseId));
  const woken = new Set<string>();
  return changes.filter((c) => {
    if (c.type !== "wake") return true;
    if (evented.has(c.caseId) || woken.has(c.caseId)) return false;
    woken.add(c.caseId);
    return true;
  });
}

/**
 * The NOTIFY payloads carrying `changes` from process `from`, in order, each at most `limitBytes`
 * (UTF-8). A change too big for any payload still gets one of its own, which PostgreSQL then refuses
 * with an error the sender logs; ids are far shorter than that.
 */
export function encodeChanges(from: string, changes: readonly Change[], limitBytes = PAYLOAD_LIMIT_BYTES) {
  const head = `{"from":${JSON.stringify(from)},"changes":[`;
  const tail = "]}";
  const payloads: string[] = [];
  let items: string[] = [];
  let bytes = Buffer.byteLength(head) + tail.length;
  for (const change of changes) {
    const item = JSON.stringify(change);
    const size = Buffer.byteLength(item) + (items.length > 0 ? 1 : 0);
    if (items.length > 0 && bytes + size > limitBytes) {
      payloads.push(head + items.join(",") + tail);
      items = [];
      bytes = Buffer.byteLength(head) + tail.length;
    }
    bytes += Buffer.byteLength(item) + (items.length > 0 ? 1 : 0);
    items.push(item);
  }
  if (items.length > 0) payloads.push(head + items.join(",") + tail);
  return payloads;
}

const TYPES: ReadonlySet<Change["type"]> = new Set<CaseEventType | "wake">([
  "submitted",
  "claimed",
  "decided",
  "released",
  "wake",
]);

/**
 * A payload read back: who sent it and its changes, or undefined when it is not one of ours (another
 * version's, or a hand-typed NOTIFY). Malformed changes inside a good payload are skipped.
 */
export function decodeChanges(payload: string): { from: string; changes: Change[] } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { from, changes } = parsed as { from?: unknown; changes?: unknown };
  if (typeof from !== "string" || !Array.isArray(changes)) return undefined;
  return { from, changes: changes.flatMap(toChange) };
}

/** The change `value` holds, with only the fields a listener expects (a stream sends it on as is). */
function toChange(value: unknown): Change[] {
  if (typeof value !== "object" || value === null) return [];
  const { type, caseId, workflow } = value as Record<string, unknown>;
  if (typeof type !== "string" || !TYPES.has(type as Change["type"]) || typeof caseId !== "string") return [];
  if (type === "wake") return [{ type, caseId }];
  return typeof workflow === "string" ? [{ type: type as CaseEventType, caseId, workflow }] : [];
}
