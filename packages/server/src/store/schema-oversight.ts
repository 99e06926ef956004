// Oversight's tables: governance rollups, alerts, suspensions (the stop button) and reviewer pauses.
// Part of `Database` (schema.ts).

/** A governance rollup document: what one workflow counted on one UTC day (migration 014, metrics/rollup-docs.ts). */
export interface MetricRollupsTable {
  /** `submitted`, `reviewer`, `team`, `reported` or `overlap` */
  kind: string;
  /** UTC day number: epoch ms / 86 400 000, rounded down. */
  day: number;
  workflow: string;
  /** The risk class (`submitted`, `team`, `reported`) or the person (`reviewer`, `overlap`). */
  part: string;
  /** JSON document (metrics/rollup-docs.ts). */
  doc: string;
  /** Bumped by every write: the statement that locks the row for it (metrics/rollup-rows.ts). */
  version: number;
}

/** What the oversight run found, open until the owner acknowledges it (migration 009, oversight/alerts.ts). */
export interface OversightAlertsTable {
  id: string;
  /** `rubber_stamp`, `team_rubber_stamp`, `approval_high_errors_rising` or `queue_overload` */
  kind: string;
  workflow: string;
  /** The reviewer the alert is about; null for a workflow-level alert. */
  reviewer: string | null;
  /** JSON object: the numbers behind the alert. */
  evidence: string;
  created_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  /** What the owner did (migration 022): coached, paused_reviewer, changed_policy, dismissed. */
  ack_action: string | null;
  ack_note: string | null;
}

/** A workflow, or one action of it, stopped by an admin or its owner (migration 019, suspensions/). */
export interface SuspensionsTable {
  id: string;
  workflow: string;
  /** "" for the whole workflow. */
  action: string;
  reason: string;
  /** The user or key id that suspended. */
  suspended_by: string;
  suspended_at: number;
  resumed_by: string | null;
  /** Null while the suspension is in force. */
  resumed_at: number | null;
  resume_note: string | null;
}

/** A reviewer kept from claiming a workflow's cases (migration 022, store/pauses). */
export interface ReviewerPausesTable {
  id: string;
  workflow: string;
  /** The person: a user id, or the id of a key that belongs to no one. */
  reviewer: string;
  /** The alert it was paused from, if any. */
  alert_id: string | null;
  note: string | null;
  paused_by: string;
  paused_at: number;
  resumed_by: string | null;
  /** Null while the pause is in force. */
  resumed_at: number | null;
  resume_note: string | null;
}
