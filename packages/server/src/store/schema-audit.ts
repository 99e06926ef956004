// The audit log's tables (migration 017 and after): the chain columns every chained row carries,
// signed checkpoints, scheduled audit draws, audits and outcomes. Part of `Database` (schema.ts).

/**
 * A row's place in its case's hash chain (migration 017, audit/chain.ts): events, decisions and outcomes
 * carry these. Null only on a row written around the chain (which `audit verify` reports as inserted).
 */
export interface ChainLinkColumns {
  /** 1, 2, … in the case's chain (the system chain for events of no case). */
  chain_pos: number | null;
  /** The hash of the row before it (position 1: the case row's hash). */
  prev_hash: string | null;
  /** sha256 of this row's content, position and prev_hash. */
  hash: string | null;
}

/** A signed checkpoint over the chain heads that changed since the one before it (migration 017). */
export interface AuditCheckpointsTable {
  /** 1, 2, …: the unique key that makes concurrent writers write each checkpoint once. */
  number: number;
  /** The previous checkpoint's hash ("" for the first). */
  prev_hash: string;
  created_at: number;
  /** How many chain heads it lists (audit_checkpoint_heads). */
  chains: number;
  /** sha256 over its heads, sorted by chain id (audit/checkpoints.ts). */
  digest: string;
  /** The signing key's id (sha256 of its public key, hex, first 16 characters). */
  key_id: string;
  /** Ed25519 signature over the canonical checkpoint content, base64. */
  signature: string;
  /** sha256 of the content and signature: the next checkpoint's prev_hash. */
  hash: string;
}

/** One chain head as a checkpoint saw it. */
export interface AuditCheckpointHeadsTable {
  checkpoint: number;
  /** A case id, or `system` for events of no case. */
  chain_id: string;
  length: number;
  head: string;
  /** When the chain last grew (cases.chain_at): `audit export --since` scopes by it. */
  at: number;
}

/** Outcomes reported by the automation for decided cases (migration 006, oversight/outcomes.ts). */
export interface OutcomesTable extends ChainLinkColumns {
  id: string;
  case_id: string;
  /** `correct` or `incorrect` */
  result: string;
  /** JSON object or null */
  details: string | null;
  reported_by: string;
  reported_at: number;
}

/** One audit draw and the parameters that reproduce it (migration 007, oversight/audits.ts). */
export interface AuditDrawsTable {
  id: string;
  workflow: string;
  seed: string;
  rate: number;
  mean_weight: number;
  fast_below_ms: number | null;
  since: number;
  until: number;
  population: number;
  drawn_by: string;
  drawn_at: number;
}

/** A case drawn for audit and the auditor's verdict (migration 007, oversight/audits.ts). */
export interface AuditsTable {
  id: string;
  case_id: string;
  draw_id: string;
  probability: number;
  weight: number;
  /** `open` or `done` */
  status: string;
  /** `correct`, `incorrect` or null while open */
  verdict: string | null;
  note: string | null;
  auditor: string | null;
  decided_at: number | null;
}
