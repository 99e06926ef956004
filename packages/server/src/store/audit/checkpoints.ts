import type { Db } from "../rows.js";
import type { AuditCheckpointHeadsTable, AuditCheckpointsTable } from "../schema.js";
import { systemHead } from "./append.js";
import { SYSTEM_CHAIN } from "./chain.js";
import {
  checkpointContent,
  checkpointDigest,
  checkpointHash,
  keyIdOf,
  newKeyPair,
  publicKeyOf,
  signText,
} from "./signing.js";

/**
 * Signed checkpoints over the chain heads. Each lists the heads that changed since the checkpoint before
 * it (cases by `chain_at`, over `cases_chain_at`), so its size follows the traffic, not the history; the
 * latest entry per chain across all checkpoints is what a verifier compares with. Checkpoints are
 * chained by hash and numbered: the unique number is what lets every process run the worker, since two
 * processes writing the same next checkpoint collide and one of them writes nothing.
 */

const SIGNING_KEY_SETTING = "audit_signing_key";

/**
 * How far back from the previous checkpoint a checkpoint looks. `chain_at` is set before its transaction
 * commits, so a transaction committing after a checkpoint may carry a time before it; any transaction
 * shorter than this is listed by the next checkpoint.
 */
const CHECKPOINT_LOOKBACK_MS = 10 * 60_000;

/** Rows per INSERT of heads: well under PostgreSQL's 65 535 parameters at five columns each. */
const HEADS_PER_INSERT = 1000;

/**
 * The Ed25519 private key, made on first use and kept in `settings` like the CSRF secret. Decisions are
 * signed with it too (decision-signature.ts).
 */
export async function signingKey(db: Db): Promise<string> {
  const read = () =>
    db.selectFrom("settings").select("value").where("name", "=", SIGNING_KEY_SETTING).executeTakeFirst();
  const found = await read();
  if (found) return found.value;
  // Insert-if-absent then read: two processes making their first key at once agree on one.
  await db
    .insertInto("settings")
    .values({ name: SIGNING_KEY_SETTING, value: newKeyPair().privateKeyPem, created_at: Date.now() })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return (await read())?.value as string;
}

export async function publicKey(db: Db): Promise<string> {
  return publicKeyOf(await signingKey(db));
}

/**
 * Writes the next checkpoint. `minAgeMs`: only when the latest is at least that old (the worker; several
 * processes then write one per interval between them). Returns the checkpoint written, or undefined
 * when none was due or another process wrote this number first.
 */
export async function writeCheckpoint(
  db: Db,
  opts: { now?: number; minAgeMs?: number } = {},
): Promise<AuditCheckpointsTable | undefined> {
  const privateKey = await signingKey(db);
  const keyId = keyIdOf(publicKeyOf(privateKey));
  return db.transaction().execute(async (trx) => {
    const now = opts.now ?? Date.now();
    const last = await trx
      .selectFrom("audit_checkpoints")
      .selectAll()
      .orderBy("number", "desc")
      .limit(1)
      .executeTakeFirst();
    if (last && opts.minAgeMs !== undefined && now - last.created_at < opts.minAgeMs) return undefined;
    const from = last ? last.created_at - CHECKPOINT_LOOKBACK_MS : Number.MIN_SAFE_INTEGER;
    const cases = await trx
      .selectFrom("cases")
      .select(["id", "chain_head", "chain_length", "chain_at"])
      .where("chain_at", ">=", from)
      .where("chain_head", "is not", null)
      .execute();
    const number = (last?.number ?? 0) + 1;
    const heads: AuditCheckpointHeadsTable[] = cases.map((c) => ({
      checkpoint: number,
      chain_id: c.id,
      length: c.chain_length ?? 0,
      head: c.chain_head as string,
      at: c.chain_at as number,
    }));
    const system = await systemHead(trx);
    if (system && system.at >= from) {
      heads.push({
        checkpoint: number,
        chain_id: SYSTEM_CHAIN,
        length: system.length,
        head: system.head,
        at: system.at,
      });
    }
    const content = {
      number,
      prev_hash: last?.hash ?? "",
      created_at: now,
      chains: heads.length,
      digest: checkpointDigest(heads),
      key_id: keyId,
    };
    const signature = signText(privateKey, checkpointContent(content));
    const checkpoint = { ...content, signature, hash: checkpointHash({ ...content, signature }) };
    const inserted = await trx
      .insertInto("audit_checkpoints")
      .values(checkpoint)
      .onConflict((oc) => oc.column("number").doNothing())
      .returning("number")
      .executeTakeFirst();
    if (!inserted) return undefined;
    for (let i = 0; i < heads.length; i += HEADS_PER_INSERT) {
      await trx
        .insertInto("audit_checkpoint_heads")
        .values(heads.slice(i, i + HEADS_PER_INSERT))
        .execute();
    }
    return checkpoint;
  });
}

/** Every checkpoint and the heads each lists (the heads of those from `since` on, when given). */
export async function readCheckpoints(
  db: Db,
): Promise<{ checkpoints: AuditCheckpointsTable[]; heads: AuditCheckpointHeadsTable[] }> {
  const checkpoints = await db.selectFrom("audit_checkpoints").selectAll().orderBy("number").execute();
  const heads = await db
    .selectFrom("audit_checkpoint_heads")
    .selectAll()
    .orderBy("checkpoint")
    .orderBy("chain_id")
    .execute();
  return { checkpoints, heads };
}
