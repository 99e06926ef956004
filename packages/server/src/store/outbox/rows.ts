import type { Insertable, Selectable } from "kysely";
import type { Db } from "../rows.js";
import type { OutboxTable } from "../schema.js";
import { destinationOf } from "./destination.js";
import type { CaselessOutboxMessage, NewOutboxMessage, OutboxMessage } from "./types.js";

/** A new message is due at once: the worker's first attempt should follow the commit immediately. */
export function outboxToRow(m: NewOutboxMessage | CaselessOutboxMessage): Insertable<OutboxTable> {
  return {
    id: m.id,
    case_id: m.caseId,
    key_id: m.keyId,
    url: m.url,
    destination: destinationOf(m.url),
    body: m.body,
    created_at: m.createdAt,
    next_attempt_at: ("notBefore" in m ? m.notBefore : undefined) ?? m.createdAt,
  };
}

export function rowToOutbox(r: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: r.id,
    caseId: r.case_id,
    keyId: r.key_id,
    url: r.url,
    body: r.body,
    createdAt: r.created_at,
    attempts: r.attempts,
    // Only due messages are handed out, and a due message has a next attempt time.
    nextAttemptAt: r.next_attempt_at ?? r.created_at,
  };
}

/** Queues a delivery inside the caller's transaction, so it is sent only if that transaction commits. */
export async function insertOutbox(db: Db, m: NewOutboxMessage | CaselessOutboxMessage): Promise<void> {
  await db.insertInto("outbox").values(outboxToRow(m)).execute();
}
