import { createHash } from "node:crypto";
import type { Selectable } from "kysely";
import type { CasesTable, DecisionsTable, EventsTable, OutcomesTable } from "../schema.js";

/**
 * The audit hash chains (migration 017). One chain per case: its events, decisions and outcomes in the
 * order they were written, each row carrying its position, the previous row's hash and a hash of its
 * own content. The first row's previous hash is the case row's hash, so the case's immutable columns are
 * covered too. Events of no case (oversight alerts) form the `system` chain.
 *
 * A hash is sha256 over a JSON array of the columns exactly as stored (JSON columns as their text), in a
 * fixed order: no canonicalisation is needed because nothing is re-serialised, and an offline verifier
 * recomputes it from the same values. Mutable state (status, lease, `decisions.revoked_at`) is left out:
 * what changes it is an event in the chain.
 */

export type ChainedTable = "events" | "decisions" | "outcomes";
export const SYSTEM_CHAIN = "system";
/** The system chain's first previous hash (it has no case row). */
export const SYSTEM_GENESIS = sha256(JSON.stringify(["loopgate audit chain", SYSTEM_CHAIN]));

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The case columns a chain covers: what was submitted and how it was routed, never its changing state. */
export type CaseContent = Pick<
  Selectable<CasesTable>,
  | "id"
  | "workflow"
  | "action"
  | "route"
  | "risk_class"
  | "confidence"
  | "input"
  | "proposal"
  | "rationale"
  | "evidence"
  | "subject"
  | "metadata"
  | "context"
  | "explanation"
  | "idempotency_key"
  | "request_hash"
  | "callback_url"
  | "submitted_by"
  | "policy_version"
  | "created_at"
  | "gold_id"
  | "overlap_of"
  | "revision_of"
  | "version"
  | "tool_input_schema"
>;

export const CASE_CONTENT_COLUMNS = [
  "id",
  "workflow",
  "action",
  "route",
  "risk_class",
  "confidence",
  "input",
  "proposal",
  "rationale",
  "evidence",
  "subject",
  "metadata",
  "context",
  "explanation",
  "idempotency_key",
  "request_hash",
  "callback_url",
  "submitted_by",
  "policy_version",
  "created_at",
  "gold_id",
  "overlap_of",
  "revision_of",
  "version",
  "tool_input_schema",
] as const satisfies readonly (keyof CaseContent)[];

/**
 * Migration 020's columns, hashed only when a case has a revision link or a tool schema: a case without
 * either hashes exactly as before the columns existed, so chains written earlier still verify.
 */
const REVISION_COLUMNS = ["revision_of", "version", "tool_input_schema"] as const;
/** The case columns before migration 020: all that migration 017's backfill may read. */
export const CASE_BASE_COLUMNS = CASE_CONTENT_COLUMNS.filter(
  (k): k is Exclude<(typeof CASE_CONTENT_COLUMNS)[number], (typeof REVISION_COLUMNS)[number]> =>
    !(REVISION_COLUMNS as readonly string[]).includes(k),
);

/** The content columns of each chained table, in hash order (links and generated keys excluded). */
const CONTENT_COLUMNS = {
  events: ["type", "case_id", "actor", "data", "at"],
  decisions: [
    "id",
    "case_id",
    "decided_by",
    "verdict",
    "output",
    "reason_code",
    "note",
    "claimed_at",
    "decided_at",
    "held_ms",
  ],
  outcomes: ["id", "case_id", "result", "details", "reported_by", "reported_at"],
} as const satisfies {
  events: readonly (keyof EventsTable)[];
  decisions: readonly (keyof DecisionsTable)[];
  outcomes: readonly (keyof OutcomesTable)[];
};

type Columns = Readonly<Record<string, unknown>>;

/** The hash a case's chain starts from. */
export function caseHash(c: Columns): string {
  const base = CASE_BASE_COLUMNS.map((k) => c[k] ?? null);
  const linked = (c.revision_of ?? null) !== null || (c.tool_input_schema ?? null) !== null;
  const revision = linked ? REVISION_COLUMNS.map((k) => c[k] ?? null) : [];
  return sha256(JSON.stringify(["case", ...base, ...revision]));
}

/** The hash of one chained row at `pos` after `prev`. */
export function rowHash(table: ChainedTable, pos: number, prev: string, row: Columns): string {
  return sha256(JSON.stringify([table, pos, prev, ...CONTENT_COLUMNS[table].map((k) => row[k] ?? null)]));
}

export interface ChainHead {
  head: string;
  length: number;
}

export interface Links {
  chain_pos: number;
  prev_hash: string;
  hash: string;
}

/** Appends rows to one chain in memory: each `link` returns the row with its links and moves the head. */
export class ChainCursor {
  constructor(
    public head: string,
    public length: number,
  ) {}

  link<R extends object>(table: ChainedTable, row: R): R & Links {
    const pos = this.length + 1;
    const hash = rowHash(table, pos, this.head, row as Columns);
    const linked = Object.assign(row, { chain_pos: pos, prev_hash: this.head, hash });
    this.head = hash;
    this.length = pos;
    return linked;
  }
}
