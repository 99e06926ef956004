import type { StoreEngine } from "../engine.js";
import type { PauseRecord } from "../pauses/rows.js";
import {
  type Acknowledgement,
  type AlertRecord,
  acknowledgeAlert,
  insertAlerts,
  listAlerts,
  type NewAlert,
  openAlert,
  type ReviewDecisionWindow,
  reviewDecisions,
  type StoredReviewDecision,
} from "./alerts.js";
import { type AuditedDecision, auditedDecisions } from "./audited.js";
import {
  type AuditCandidate,
  type AuditVerdict,
  type AuditView,
  auditCandidates,
  insertAuditDraw,
  listAudits,
  type NewAuditDraw,
  recordAuditVerdict,
} from "./audits.js";
import { disableGoldCase, type GoldCase, insertGoldCases, listGoldCases, type NewGoldCase } from "./gold.js";
import { insertOutcome, type NewOutcome, type OutcomeRecord } from "./outcomes.js";
import {
  type CatchTrialResult,
  catchTrialResults,
  type OverlapRating,
  type OversightWindow,
  overlapRatings,
} from "./shadows.js";

/**
 * Automation in the Loop, the store's side: what automations report back (outcomes), audit draws and
 * verdicts, gold sets and the shadow cases built from them (catch trials, overlap copies), the
 * decisions the rubber-stamp detector reads, and the alerts it raises.
 */
export interface OversightStore {
  // --- outcomes (outcomes.ts)
  /** Stores an outcome and its `outcome_reported` event in one transaction. */
  insertOutcome(outcome: NewOutcome): Promise<OutcomeRecord>;

  // --- audits (audits.ts)
  /** Cases of `workflow` decided in [since, until) whose decision in force approves them, not yet audited. */
  auditCandidates(args: { workflow: string; since: number; until: number }): Promise<AuditCandidate[]>;
  /** Stores a draw, its audits and one `audit_drawn` event per audit in one transaction. */
  insertAuditDraw(draw: NewAuditDraw): Promise<void>;
  /** Whether a draw with this id is stored (a scheduled draw names itself: one per workflow and period). */
  auditDrawExists(id: string): Promise<boolean>;
  /** Audits (newest first) with their case summary; `workflows` undefined = all. */
  listAudits(args: { workflows?: string[]; status?: "open" | "done"; ids?: string[] }): Promise<AuditView[]>;
  /** Records the verdict of an open audit and its `audit_verdict` event; false when not open. */
  recordAuditVerdict(args: AuditVerdict): Promise<boolean>;
  /** Done audits of cases decided in the window, with whose decision in force was judged (audited.ts). */
  auditedDecisions(args: OversightWindow): Promise<AuditedDecision[]>;

  // --- alerts (alerts.ts)
  /**
   * The human decisions of `workflow` decided in [since, until): not by the policy or an SLA default, not
   * revoked, shadow cases included, catch trials scored (`catchTrial.passed`, with the gold answer),
   * the audit verdict on an approval that was audited, and the case's risk class. The detectors' input.
   */
  reviewDecisions(args: ReviewDecisionWindow): Promise<StoredReviewDecision[]>;
  /**
   * Stores each alert with its `oversight_alert` event and optional outbox row, in one transaction. An
   * alert whose kind, workflow and reviewer already has an open one is skipped (unique partial index, so
   * also against a concurrent run); returns the alerts actually stored.
   */
  insertAlerts(alerts: NewAlert[]): Promise<AlertRecord[]>;
  /** Alerts newest first; `workflows` undefined = all. */
  listAlerts(args: {
    workflows?: string[];
    since?: number;
    kind?: string;
    ids?: string[];
  }): Promise<AlertRecord[]>;
  /** The open (unacknowledged) alert of this kind, workflow and reviewer (null = workflow-level), if any. */
  openAlert(kind: string, workflow: string, reviewer: string | null): Promise<AlertRecord | undefined>;
  /**
   * Acknowledges an open alert with what was done (an `oversight_alert_acknowledged` event), and the
   * pause it asks for, in one transaction; `acknowledged` false when not open.
   */
  acknowledgeAlert(args: Acknowledgement): Promise<{ acknowledged: boolean; pause?: PauseRecord }>;

  // --- gold sets and shadow cases (gold.ts, shadows.ts)
  /** Stores known-answer cases, all or none. */
  insertGoldCases(items: NewGoldCase[]): Promise<void>;
  /** A workflow's gold cases, oldest first; disabled ones only when `includeDisabled`. */
  listGoldCases(args: { workflow: string; includeDisabled?: boolean }): Promise<GoldCase[]>;
  /** Disables one gold case of `workflow`; false when there is no such enabled case. */
  disableGoldCase(args: { workflow: string; id: string; now: number }): Promise<boolean>;
  /** Each human decision on a catch trial decided in [since, until), scored against its gold case. */
  catchTrialResults(args: OversightWindow): Promise<CatchTrialResult[]>;
  /**
   * The first live human decision of every case of each overlap group (a real case and its copies)
   * that has one decided in [since, until): the ratings behind reviewer consistency.
   */
  overlapRatings(args: OversightWindow): Promise<OverlapRating[]>;
}

export function oversightStore(engine: StoreEngine): OversightStore {
  const { db } = engine;
  return {
    insertOutcome: (outcome) => insertOutcome(db, outcome),
    auditCandidates: (args) => auditCandidates(db, args),
    insertAuditDraw: (draw) => insertAuditDraw(db, draw),
    auditDrawExists: async (id) =>
      (await db.selectFrom("audit_draws").select("id").where("id", "=", id).executeTakeFirst()) !== undefined,
    listAudits: (args) => listAudits(db, args),
    recordAuditVerdict: (args) => recordAuditVerdict(db, args),
    auditedDecisions: (args) => auditedDecisions(db, args),
    reviewDecisions: (args) => reviewDecisions(db, args),
    insertAlerts: (alerts) => insertAlerts(db, alerts),
    listAlerts: (args) => listAlerts(db, args),
    openAlert: (kind, workflow, reviewer) => openAlert(db, kind, workflow, reviewer),
    acknowledgeAlert: (args) => acknowledgeAlert(db, args),
    insertGoldCases: (items) => insertGoldCases(db, items),
    listGoldCases: (args) => listGoldCases(db, args),
    disableGoldCase: (args) => disableGoldCase(db, args),
    catchTrialResults: (args) => catchTrialResults(db, args),
    overlapRatings: (args) => overlapRatings(db, args),
  };
}
