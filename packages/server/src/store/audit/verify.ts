import type { AuditCheckpointHeadsTable, AuditCheckpointsTable } from "../schema.js";
import {
  type ChainedTable,
  type ChainHead,
  caseHash,
  rowHash,
  SYSTEM_CHAIN,
  SYSTEM_GENESIS,
} from "./chain.js";
import { type PurgeRecord, purgeExplains, purgeRecordsOf } from "./purge-records.js";
import { checkpointContent, checkpointDigest, checkpointHash, keyIdOf, verifySignature } from "./signing.js";

/**
 * Walking the audit chains (audit/chain.ts) and the signed checkpoints: pure functions over rows, so the
 * same code verifies a live database (audit/read.ts streams it) and an offline bundle (no database).
 */

/** One stored row of a chain: its links and its content columns exactly as stored. */
export interface StoredRow {
  table: ChainedTable;
  /** Its key: an event's seq, a decision's or outcome's id. */
  key: string | number;
  chain_pos: number | null;
  prev_hash: string | null;
  hash: string | null;
  [column: string]: unknown;
}

/** One chain as stored: the case row's content (null for the system chain), its recorded head, its rows. */
export interface StoredChain {
  id: string;
  caseRow: Record<string, unknown> | null;
  head: ChainHead | null;
  rows: StoredRow[];
}

export type ProblemKind = "altered" | "inserted" | "deleted" | "checkpoint";

export interface AuditProblem {
  kind: ProblemKind;
  /** The case id, `system`, or `checkpoints`. */
  chain: string;
  /** The row named: e.g. "decision dec_1 (position 4)"; absent when the whole chain or case is meant. */
  row?: string;
  message: string;
}

export type Checkpoint = AuditCheckpointsTable;
export type CheckpointHead = AuditCheckpointHeadsTable;

/** What a checkpoint said of one chain. */
interface Signed {
  checkpoint: number;
  length: number;
  head: string;
  at: number;
}

const TABLE_ORDER: Record<ChainedTable, number> = { decisions: 0, outcomes: 1, events: 2 };

function describeRow(r: Pick<StoredRow, "table" | "key" | "chain_pos">): string {
  const what = r.table === "events" ? `event seq ${r.key}` : `${r.table.slice(0, -1)} ${r.key}`;
  return r.chain_pos === null ? what : `${what} (position ${r.chain_pos})`;
}

/**
 * Checks chains one at a time against their own links and against what the checkpoints signed, then
 * (`finish`) names the chains the checkpoints signed that never came: deleted cases. One problem per
 * chain: the first, since everything after a break in a chain follows from it.
 */
export class ChainVerifier {
  readonly problems: AuditProblem[] = [];
  readonly #signed = new Map<string, Signed[]>();
  readonly #seen = new Set<string>();
  /** What retention purges removed, from the system chain's `cases_purged` rows. */
  #purged = new Map<string, PurgeRecord>();
  chains = 0;
  rows = 0;

  constructor(heads: Iterable<CheckpointHead>) {
    for (const h of heads) {
      const list = this.#signed.get(h.chain_id) ?? [];
      list.push({ checkpoint: h.checkpoint, length: h.length, head: h.head, at: h.at });
      this.#signed.set(h.chain_id, list);
    }
  }

  check(chain: StoredChain): void {
    this.#seen.add(chain.id);
    this.chains++;
    this.rows += chain.rows.length;
    if (chain.id === SYSTEM_CHAIN) this.#purged = purgeRecordsOf(chain.rows);
    const problem = walk(chain, this.#signed.get(chain.id) ?? []);
    if (problem) this.problems.push(problem);
  }

  /**
   * The chains a checkpoint signed that were not checked. `since`: only those that grew at or after it
   * count (a bundle holds the chains active since then; older ones are rightly absent).
   */
  finish(since?: number): AuditProblem[] {
    for (const [id, signed] of this.#signed) {
      if (this.#seen.has(id)) continue;
      const last = signed.reduce((a, b) => (b.checkpoint > a.checkpoint ? b : a));
      if (since !== undefined && last.at < since) continue;
      // Gone by a retention purge that recorded it as it was signed: not a deletion.
      if (purgeExplains(this.#purged.get(id), signed)) continue;
      this.problems.push({
        kind: "deleted",
        chain: id,
        message: `${id === SYSTEM_CHAIN ? "the system chain" : `case ${id}`} is missing: checkpoint ${last.checkpoint} signed it at length ${last.length}`,
      });
    }
    return this.problems;
  }
}

function walk(chain: StoredChain, signed: Signed[]): AuditProblem | undefined {
  const found = (kind: ProblemKind, message: string, row?: StoredRow): AuditProblem => ({
    kind,
    chain: chain.id,
    ...(row && { row: describeRow(row) }),
    message,
  });
  const unlinked = chain.rows.find((r) => r.chain_pos === null || r.hash === null || r.prev_hash === null);
  if (unlinked)
    return found(
      "inserted",
      `${describeRow(unlinked)} carries no chain link: written around the chain`,
      unlinked,
    );
  if (chain.caseRow && chain.head === null) {
    return found("inserted", `case ${chain.id} has no chain head: it was written around the chain`);
  }
  if (chain.id !== SYSTEM_CHAIN && chain.caseRow === null) {
    return found("deleted", `case ${chain.id} is missing, but ${chain.rows.length} of its rows remain`);
  }
  const rows = [...chain.rows].sort(
    (a, b) =>
      (a.chain_pos as number) - (b.chain_pos as number) ||
      TABLE_ORDER[a.table] - TABLE_ORDER[b.table] ||
      String(a.key).localeCompare(String(b.key)),
  );
  let prev = chain.caseRow ? caseHash(chain.caseRow) : SYSTEM_GENESIS;
  let prevRow: StoredRow | undefined;
  const byPos = new Map<number, StoredRow>();
  for (const row of rows) {
    const pos = row.chain_pos as number;
    const expected = (prevRow ? (prevRow.chain_pos as number) : 0) + 1;
    const selfConsistent = rowHash(row.table, pos, row.prev_hash as string, row) === row.hash;
    if (pos < expected) {
      // Two rows at one position: the one already walked linked after its predecessor, so this one is
      // the intruder.
      const twin = byPos.get(pos) as StoredRow;
      return found("inserted", `${describeRow(row)} claims the position ${describeRow(twin)} holds`, row);
    }
    if (pos > expected) {
      const gap = pos - expected === 1 ? `position ${expected} is` : `positions ${expected}–${pos - 1} are`;
      return found("deleted", `${gap} missing: deleted before ${describeRow(row)}`, row);
    }
    if (!selfConsistent)
      return found("altered", `${describeRow(row)} does not match its hash: its content was changed`, row);
    if (row.prev_hash !== prev) {
      if (!prevRow) {
        return found(
          "altered",
          `case ${chain.id}'s row does not match the hash its chain starts from: the case was changed`,
        );
      }
      return found(
        "altered",
        `${describeRow(prevRow)} was rewritten or put in: ${describeRow(row)} links to a different hash`,
        prevRow,
      );
    }
    byPos.set(pos, row);
    prev = row.hash as string;
    prevRow = row;
  }
  const length = prevRow ? (prevRow.chain_pos as number) : 0;
  const head = chain.head;
  if (head && head.length > length) {
    return found(
      "deleted",
      `positions ${length + 1}–${head.length} are missing: the chain's tail was deleted (the case row records ${head.length} rows)`,
    );
  }
  if (head && head.length < length) {
    const extra = rows.find((r) => (r.chain_pos as number) > head.length) as StoredRow;
    return found(
      "inserted",
      `${describeRow(extra)} lies beyond the head the case row records (${head.length} rows)`,
      extra,
    );
  }
  if (head && head.head !== prev) {
    return found("altered", `the case row's chain head does not match its last row: the chain was rewritten`);
  }
  for (const s of signed) {
    const at = byPos.get(s.length);
    if (!at) {
      return found("deleted", `position ${s.length}, signed by checkpoint ${s.checkpoint}, is missing`);
    }
    if (at.hash !== s.head) {
      return found(
        "altered",
        `${describeRow(at)} differs from what checkpoint ${s.checkpoint} signed: the chain was rewritten after it`,
        at,
      );
    }
  }
  const revoked = revocationProblem(rows);
  return revoked && found("altered", revoked.message, revoked.row);
}

/**
 * `decisions.revoked_at` is the one column of a chained row that changes (revoke.ts sets it); the chain
 * holds the `revoked` event instead, so the two must agree.
 */
function revocationProblem(rows: StoredRow[]): { message: string; row: StoredRow } | undefined {
  const revokedIds = new Set<unknown>();
  for (const r of rows) {
    if (r.table === "events" && r.type === "revoked") {
      revokedIds.add((JSON.parse(String(r.data)) as { decisionId?: unknown }).decisionId);
    }
  }
  for (const r of rows) {
    if (r.table !== "decisions") continue;
    const marked = r.revoked_at !== null && r.revoked_at !== undefined;
    if (marked !== revokedIds.has(r.key)) {
      const says = marked ? "is marked revoked without" : "is not marked revoked despite";
      return { message: `${describeRow(r)} ${says} a revoked event in its chain`, row: r };
    }
  }
  return undefined;
}

/**
 * The checkpoints in number order: each signed by `publicKeyPem`, linked to the one before, and its
 * digest over the heads it lists. Returns the problems (the first per checkpoint).
 */
export function verifyCheckpoints(
  checkpoints: readonly Checkpoint[],
  heads: readonly CheckpointHead[],
  publicKeyPem: string,
  opts: { firstNumber?: number } = {},
): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const found = (message: string) => problems.push({ kind: "checkpoint", chain: "checkpoints", message });
  const keyId = keyIdOf(publicKeyPem);
  const headsOf = new Map<number, CheckpointHead[]>();
  for (const h of heads) {
    const list = headsOf.get(h.checkpoint) ?? [];
    list.push(h);
    headsOf.set(h.checkpoint, list);
  }
  const sorted = [...checkpoints].sort((a, b) => a.number - b.number);
  let previous: Checkpoint | undefined;
  let expected = opts.firstNumber ?? sorted[0]?.number ?? 1;
  for (const c of sorted) {
    if (c.number !== expected) found(`checkpoint ${expected} is missing (next found: ${c.number})`);
    else if (previous && c.prev_hash !== previous.hash) {
      found(
        `checkpoint ${c.number} does not link to checkpoint ${previous.number}: one of them was replaced`,
      );
    } else if (c.key_id !== keyId) {
      found(`checkpoint ${c.number} was signed by key ${c.key_id}, not by the public key given (${keyId})`);
    } else if (!verifySignature(publicKeyPem, checkpointContent(c), c.signature)) {
      found(`checkpoint ${c.number}'s signature does not verify: the checkpoint was changed`);
    } else if (checkpointHash(c) !== c.hash) {
      found(`checkpoint ${c.number}'s hash does not match its content`);
    } else {
      const listed = headsOf.get(c.number) ?? [];
      if (listed.length !== c.chains || checkpointDigest(listed) !== c.digest) {
        found(
          `checkpoint ${c.number}'s chain heads do not match its signed digest: a head was changed or removed`,
        );
      }
    }
    previous = c;
    expected = c.number + 1;
  }
  return problems;
}
