import type {
  CaseStatus,
  GovernanceTallies,
  GroupBy,
  HistoricalCase,
  ReviewDecision,
  Route,
  RouteExplanation,
  Verdict,
} from "@loopgate/core";
import type { AlertRecord, NewAlert, ReviewDecisionWindow } from "./alert-queries.js";
import type { AuditCandidate, AuditView, NewAuditDraw } from "./audit-queries.js";
import type { ExportCursor, ExportDecision, ExportFilter } from "./export-queries.js";
import type { GoldCase, NewGoldCase } from "./gold-queries.js";
import type { CalibrationRow, DecisionSupportRow, LearningWindow } from "./learning-queries.js";
import type { CountedEvent } from "./metrics-queries.js";
import type { NewOutcome, OutcomeRecord } from "./outcome-queries.js";
import type { CatchTrialResult, OverlapRating, OversightWindow } from "./oversight-queries.js";
import type { ShadowPair, SimulationWindow } from "./simulation-queries.js";
import type { BlindJudgment, HistoryEntry, QueueCount, ReviewerDay } from "./workspace-types.js";

export type { AlertKind, AlertRecord, NewAlert, ReviewDecisionWindow } from "./alert-queries.js";
export type { AuditCandidate, AuditView, NewAuditDraw } from "./audit-queries.js";
export type { ExportCursor, ExportDecision, ExportFilter } from "./export-queries.js";
export type { GoldCase, NewGoldCase } from "./gold-queries.js";
export type { NewOutcome, OutcomeRecord } from "./outcome-queries.js";
export type { CatchTrialResult, OverlapRating, OversightWindow } from "./oversight-queries.js";
export type { ShadowPair, SimulationWindow } from "./simulation-queries.js";
export type { BlindJudgment, HistoryEntry, QueueCount, ReviewerDay } from "./workspace-types.js";

/**
 * The one storage interface. SQLite and PostgreSQL implement it with the same Kysely queries
 * (`queries.ts`); only what truly differs lives in `sqlite.ts` / `postgres.ts`.
 *
 * Times are epoch milliseconds everywhere (`now` is always passed in, so tests and timers can use a
 * controllable clock). JSON values are stored as text and come back parsed.
 */

export type Role = "admin" | "automation" | "reviewer" | "auditor";
export const ROLES: readonly Role[] = ["admin", "automation", "reviewer", "auditor"];

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** null = every workflow. */
  workflows: string[] | null;
  /** sha256 hex of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** HMAC secret for signing webhooks to this key's callbacks (shown once, at creation). */
  signingSecret: string;
  createdAt: number;
  /** Authority roles named by policies' `review.authority` rules (e.g. ap_clerk); absent = none. */
  authorityRoles?: string[];
}

/** Roles a person can have; `automation` is for keys only. */
export type UserRole = Exclude<Role, "automation">;
export const USER_ROLES: readonly UserRole[] = ["reviewer", "admin", "auditor"];

/** A person who signs in to the workspace with a password. */
export interface UserRecord {
  /** `usr_<uuid>`; what decisions and events record as the actor. */
  id: string;
  /** Unique ignoring case; kept as typed. */
  username: string;
  /** Display name (shown in views as `decidedByName`). */
  name: string;
  role: UserRole;
  /** null = every workflow. */
  workflows: string[] | null;
  /** `scrypt$N$r$p$salt$hash`; the password itself is never stored. */
  passwordHash: string;
  createdAt: number;
  /** Set when the user may no longer sign in; their sessions stop working too. */
  disabledAt: number | null;
  /** Authority roles named by policies' `review.authority` rules (e.g. ap_manager); absent = none. */
  authorityRoles?: string[];
}

/** A browser session. Exactly one of userId / keyId is set (signed in with a password or an API key). */
export interface SessionRecord {
  /** sha256 hex of the cookie value; the cookie value itself is never stored. */
  id: string;
  userId: string | null;
  keyId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface NewCase {
  id: string;
  workflow: string;
  action: string;
  status: CaseStatus;
  route: Route;
  riskClass: string;
  confidence: number;
  input: unknown;
  proposal: unknown;
  rationale: string | null;
  evidence: unknown[] | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  explanation: RouteExplanation;
  idempotencyKey: string | null;
  /** sha256 of the canonical submission, to tell a retry from a different case reusing a key. */
  requestHash: string;
  callbackUrl: string | null;
  /** The automation key that submitted it. */
  submittedBy: string;
  policyVersion: string;
  createdAt: number;
  /**
   * Shadow cases (migration 008) never reach an automation and never count in the governance rates:
   * a catch trial names its known-answer case, an overlap copy the real case it repeats. Never shown
   * to reviewers or automations (they must look like any other case).
   */
  goldId?: string | null;
  overlapOf?: string | null;
  /**
   * Active-learning workflows: the model's uncertainty by the workflow's strategy (core
   * `uncertainty`); the most uncertain waiting case of such a workflow is handed out first. Default 0.
   */
  priority?: number;
}

/** A shadow case written alongside a submitted one (`insertCase` extra `shadows`). */
export interface ShadowInsert {
  case: NewCase;
  events: NewEvent[];
  timers: NewTimer[];
  slaDueAt?: number;
}

/** Release delay, revert and SLA state of a case (migration 005; timers in timer-queries.ts). */
export interface CaseTiming {
  /** A held decision is released to the automation at this time; null when nothing is held. */
  releaseAt: number | null;
  /** When the timer worker recorded the release (`decision_released`). */
  releasedAt: number | null;
  /** When a released decision was reverted (compensating webhook). */
  revertedAt: number | null;
  /** The SLA deadline of an undecided case. */
  slaDueAt: number | null;
  /** The named role an SLA timeout escalated the case to. */
  escalatedTo: string | null;
  /** Why it was escalated, who held it, notes: written on escalation for the next reviewer. */
  handoff: string | null;
}

export const NO_TIMING: CaseTiming = {
  releaseAt: null,
  releasedAt: null,
  revertedAt: null,
  slaDueAt: null,
  escalatedTo: null,
  handoff: null,
};

export interface CaseRecord extends NewCase, CaseTiming {
  goldId: string | null;
  overlapOf: string | null;
  decidedAt: number | null;
  lease: { id: string; holder: string; claimedAt: number; expiresAt: number } | null;
  /** The only reviewer (user or key id) who may claim it, set by a workflow owner; null = anyone. */
  assignedTo: string | null;
}

export interface DecisionRecord {
  id: string;
  caseId: string;
  /** Key id of the reviewer, or "policy" for an auto-routed case. */
  decidedBy: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  /** When the decider took the case (claim time); null for policy decisions. */
  claimedAt: number | null;
  decidedAt: number;
  /** How long the reviewer held the case, claim to decision, in ms; null for policy decisions. */
  heldMs: number | null;
  /** Set when the decision was revoked inside its release window; absent or null otherwise. */
  revokedAt?: number | null;
}

export type NewDecision = Omit<DecisionRecord, "caseId">;

export type EventType =
  | "submitted"
  | "routed"
  | "claimed"
  | "released"
  | "lease_expired"
  | "decided"
  | "webhook_delivered"
  | "webhook_failed"
  | "blind_judgment"
  // Review rules: four-eyes and ownership (review-queries.ts)
  | "approved"
  | "second_review_needed"
  | "assigned"
  // Release delay, revert and SLA (timer-queries.ts, workers/timers.ts)
  | "revoked"
  | "decision_released"
  | "reverted"
  | "sla_reminder"
  | "escalated"
  | "sla_breached"
  // Outcomes reported by the automation (outcome-queries.ts)
  | "outcome_reported"
  // Audit sampling (audit-queries.ts)
  | "audit_drawn"
  | "audit_verdict"
  // Oversight alerts (alert-queries.ts); case_id null
  | "oversight_alert"
  | "oversight_alert_acknowledged"
  // Shadow mode: what a draft policy would have done at submit (http/shadow-policy.ts)
  | "shadow_routed";

export interface NewEvent {
  type: EventType;
  caseId: string | null;
  /** Key id of whoever caused it, or "system". */
  actor: string;
  data: Record<string, unknown>;
  at: number;
}

export interface EventRecord extends NewEvent {
  seq: number;
}

export interface NewOutboxMessage {
  id: string;
  caseId: string;
  /** The key whose signing secret signs this delivery. */
  keyId: string;
  url: string;
  /** The exact JSON body to POST (signed as sent). */
  body: string;
  createdAt: number;
  /** Not delivered before this time (a held decision's release); default createdAt. */
  notBefore?: number;
}

/** A durable timer (timer-queries.ts). */
export type TimerKind = "sla_reminder" | "sla_timeout" | "release";

export interface NewTimer {
  id: string;
  caseId: string;
  kind: TimerKind;
  dueAt: number;
}

export interface TimerRecord extends NewTimer {
  createdAt: number;
}

/**
 * What firing a timer does, computed by the worker from the case as it is inside the firing
 * transaction. Every part commits together with the timer being marked done.
 */
export interface TimerEffect {
  /** Columns to change on the case; `clearLease` also ends any reviewer's lease. */
  case?: Partial<Pick<CaseRecord, "status" | "decidedAt" | keyof CaseTiming>> & { clearLease?: boolean };
  decision?: NewDecision;
  events: NewEvent[];
  outbox?: NewOutboxMessage;
  timers?: NewTimer[];
}

/**
 * A delivery that belongs to no case: an oversight alert to its workflow owner's `alertUrl` (migration
 * 009 made `outbox.case_id` nullable; alert-queries.ts writes these).
 */
export type CaselessOutboxMessage = Omit<NewOutboxMessage, "caseId" | "notBefore"> & { caseId: null };

/** A claimed delivery: a case's webhook, or (caseId null) an oversight alert. */
export interface OutboxMessage extends Omit<NewOutboxMessage, "caseId"> {
  caseId: string | null;
  attempts: number;
  nextAttemptAt: number;
}

export interface CaseDetail extends CaseRecord {
  decisions: DecisionRecord[];
  events: EventRecord[];
}

export interface Claimed {
  case: CaseRecord;
  lease: { id: string; expiresAt: number };
}

export interface FlatStore {
  readonly engine: "sqlite" | "postgres";
  /** One line for the start-up banner, e.g. "SQLite at .loopgate/loopgate.db". No secrets. */
  describe(): string;
  /** Applies pending migrations. Safe to call on every start and from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- keys
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKeyByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Whether any key exists (the first start creates an admin key when none does). */
  hasKeys(): Promise<boolean>;

  // --- cases
  /**
   * Stores a case with its events, and (for an auto-routed case) its policy decision and webhook, in one
   * transaction. When `idempotencyKey` is set and a case with the same (workflow, idempotencyKey)
   * exists, nothing is written and that case is returned with `created: false`.
   */
  insertCase(
    c: NewCase,
    extra: {
      events: NewEvent[];
      decision?: NewDecision;
      outbox?: NewOutboxMessage;
      /** The SLA deadline and its timers (only written when the case is created). */
      slaDueAt?: number;
      /** A held auto decision's release time (release.delaySeconds). */
      releaseAt?: number;
      timers?: NewTimer[];
      /**
       * Shadow cases (catch trials, overlap copies) mixed in with this one: written in the same
       * transaction, and only when this case is created (an idempotent retry writes none).
       */
      shadows?: ShadowInsert[];
    },
  ): Promise<{ case: CaseRecord; created: boolean }>;
  getCase(id: string): Promise<CaseRecord | undefined>;
  getCaseDetail(id: string): Promise<CaseDetail | undefined>;

  /**
   * Takes the oldest waiting case (queued, or claimed with an expired lease) in the given workflows
   * (all when undefined) for `reviewer`, exclusively: no two callers ever get the same case while a
   * lease is live. Writes a `claimed` event (and `lease_expired` when it takes over a stale lease).
   */
  claimNext(args: {
    reviewer: string;
    workflows?: string[];
    leaseMs: number;
    now: number;
    /**
     * Only cases this accepts are taken (authority rules, evaluated in code); the others are skipped and
     * stay waiting for someone else. Cases assigned to another reviewer, and cases `reviewer` already
     * approved (four-eyes), are always skipped.
     */
    eligible?: (c: CaseRecord) => boolean;
    /**
     * Active-learning workflows: when the oldest waiting case belongs to one of these, the claim takes
     * that workflow's waiting case of highest `priority` (the model's uncertainty) instead.
     */
    prioritized?: string[];
  }): Promise<Claimed | undefined>;
  /** Human decisions on a workflow's real cases since `since` (an active-learning labelling budget). */
  countHumanDecisions(args: { workflow: string; since: number }): Promise<number>;

  /**
   * Records a reviewer's decision. The reviewer must hold a live lease on the case, else Conflict
   * (NotFound for an unknown case). The store fills claimedAt from the lease, decidedAt = now and
   * heldMs = now - claimedAt. Case update, decision row, `decided` event and optional outbox row
   * commit together. `approvals` given (four-eyes, more approvals needed): the decision row is recorded
   * with `approved` and `second_review_needed` events instead, and the case goes back to the queue.
   */
  recordDecision(args: {
    caseId: string;
    reviewer: string;
    decisionId: string;
    verdict: Verdict;
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    outbox?: NewOutboxMessage;
    /** Hold the decision until then (release.delaySeconds): stored on the case with a `release` timer. */
    releaseAt?: number;
    now: number;
    /** Four-eyes: set when this approval is not the last one needed (so the case is not decided). */
    pendingApprovals?: { count: number; needed: number };
  }): Promise<{ case: CaseRecord; decision: DecisionRecord }>;

  /**
   * Assigns an undecided case to one reviewer (an `assigned` event): only they may claim it until it is
   * decided or they release it. A live lease held by someone else ends (the case goes back to the
   * queue). NotFound for an unknown case, Conflict for a decided one.
   */
  assignCase(args: {
    caseId: string;
    to: string;
    by: string;
    note: string | null;
    now: number;
  }): Promise<CaseRecord>;

  /** Gives a held case back to the queue (a `released` event). Conflict when `reviewer` does not hold it. */
  releaseCase(args: { caseId: string; reviewer: string; now: number }): Promise<void>;

  appendEvents(events: NewEvent[]): Promise<void>;

  // --- release delay, revert and SLA timers (queries in timer-queries.ts)
  /** Leases up to `limit` due timers (dueAt <= now, not done, not leased) for `leaseMs`. */
  claimTimers(args: { now: number; limit: number; leaseMs: number }): Promise<TimerRecord[]>;
  /**
   * Fires a claimed timer exactly once: in one transaction, marks it done (false when it already was)
   * and applies what `effect` computes from the current case (null: nothing to do, e.g. decided meanwhile).
   */
  fireTimer(args: {
    timerId: string;
    now: number;
    effect: (c: CaseRecord, timer: TimerRecord) => TimerEffect | null;
  }): Promise<{ fired: boolean; case?: CaseRecord }>;
  /**
   * Revokes the held decision of a case inside its release window: marks it revoked, cancels its
   * undelivered webhooks and release timer, puts the case back in the queue, writes `revoked`.
   * Conflict when the case holds no decision or the window has passed.
   */
  revokeDecision(args: {
    caseId: string;
    actor: string;
    reason: string;
    now: number;
    timers?: NewTimer[];
    slaDueAt?: number;
  }): Promise<CaseRecord>;
  /** Marks a released decision reverted, writes `reverted` and the compensating webhook. Conflict when already reverted. */
  revertDecision(args: {
    caseId: string;
    actor: string;
    reason: string;
    now: number;
    outbox?: NewOutboxMessage;
  }): Promise<CaseRecord>;

  // --- webhook outbox
  /** Leases up to `limit` due messages (nextAttemptAt <= now, not delivered, not leased) for `leaseMs`. */
  claimOutbox(args: { now: number; limit: number; leaseMs: number }): Promise<OutboxMessage[]>;
  /** Marks delivered and writes a `webhook_delivered` event, in one transaction. */
  markOutboxDelivered(id: string, event: NewEvent): Promise<void>;
  /** Records a failed attempt: attempts+1, next try at `nextAttemptAt` (null = give up), a `webhook_failed` event. */
  markOutboxFailed(id: string, nextAttemptAt: number | null, event: NewEvent): Promise<void>;

  // --- users and sessions
  /** Stores a new user. Conflict when the username is taken (compared ignoring case). */
  insertUser(user: UserRecord): Promise<void>;
  /** The user with this username, ignoring case (disabled users included: the caller decides). */
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  insertSession(session: SessionRecord): Promise<void>;
  /** The session with this id (sha256 of the cookie) when it exists and `expiresAt > now`. */
  findSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  /** Ends a session (sign-out). Unknown ids are fine. */
  deleteSession(idHash: string): Promise<void>;
  /** Removes every session with `expiresAt <= now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
  /**
   * A random secret shared by every process on this database, created on first use (e.g. the key for
   * CSRF tokens). Concurrent first calls all get the same value.
   */
  getOrCreateSecret(name: string): Promise<string>;

  // --- workspace (queries in workspace-queries.ts)
  /** Waiting and in-review counts of undecided cases per workflow and risk class, in `workflows` (all when undefined). */
  queueCounts(args: { workflows?: string[]; now: number }): Promise<QueueCount[]>;
  /** What `reviewer` decided in [from, to), and the cases they hold at `now`. */
  reviewerDay(args: { reviewer: string; from: number; to: number; now: number }): Promise<ReviewerDay>;
  /**
   * Up to `limit` other cases of `subject` created at or before `before`, newest first, in `workflows`
   * (all when undefined), each with its latest decision.
   */
  subjectHistory(args: {
    subject: string;
    excludeCaseId: string;
    before: number;
    workflows?: string[];
    limit: number;
  }): Promise<HistoryEntry[]>;
  /**
   * Records the lease holder's own judgment on a blind-first case (event `blind_judgment`). Conflict when
   * `reviewer` does not hold a live lease on it, or already recorded one under this lease.
   */
  recordBlindJudgment(args: {
    caseId: string;
    reviewer: string;
    verdict: Verdict;
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    now: number;
  }): Promise<BlindJudgment>;
  /** The blind judgment recorded under `leaseId` on a case, if any. */
  findBlindJudgment(caseId: string, leaseId: string): Promise<BlindJudgment | undefined>;

  // --- metrics (queries in metrics-queries.ts)
  /**
   * The tallies behind the governance metrics of [since, until) in `workflows` (all when undefined),
   * keyed by `groupBy`: cases submitted, cases decided, and decisions recorded in the window.
   */
  governanceTallies(args: {
    workflows?: string[];
    since: number;
    until: number;
    groupBy?: GroupBy;
  }): Promise<GovernanceTallies>;
  /** Up to `limit` `routed` and `decided` events after `afterSeq` (oldest first), for the Prometheus counters. */
  countedEventsAfter(afterSeq: number, limit: number): Promise<CountedEvent[]>;

  // --- outcomes (queries in outcome-queries.ts)
  /** Stores an outcome and its `outcome_reported` event in one transaction. */
  insertOutcome(outcome: NewOutcome): Promise<OutcomeRecord>;

  // --- audits (queries in audit-queries.ts)
  /** Cases of `workflow` decided in [since, until) whose decision in force approves them, not yet audited. */
  auditCandidates(args: { workflow: string; since: number; until: number }): Promise<AuditCandidate[]>;
  /** Stores a draw, its audits and one `audit_drawn` event per audit in one transaction. */
  insertAuditDraw(draw: NewAuditDraw): Promise<void>;
  /** Audits (newest first) with their case summary; `workflows` undefined = all. */
  listAudits(args: { workflows?: string[]; status?: "open" | "done"; ids?: string[] }): Promise<AuditView[]>;
  /** Records the verdict of an open audit and its `audit_verdict` event; false when not open. */
  recordAuditVerdict(args: {
    id: string;
    caseId: string;
    result: "correct" | "incorrect";
    note: string | null;
    auditor: string;
    at: number;
  }): Promise<boolean>;

  // --- oversight alerts (alert-queries.ts)
  /**
   * The human decisions of `workflow` decided in [since, until): not by the policy or an SLA default, not
   * revoked, shadow cases included, catch trials scored (`catchTrial.passed`). The detector's input.
   */
  reviewDecisions(args: ReviewDecisionWindow): Promise<ReviewDecision[]>;
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
  /** Acknowledges an open alert (an `oversight_alert_acknowledged` event); false when not open. */
  acknowledgeAlert(args: { id: string; by: string; now: number }): Promise<boolean>;

  // --- gold sets and shadow cases (gold-queries.ts, oversight-queries.ts)
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

  // --- policy simulation and shadow mode (simulation-queries.ts)
  /** The workflow's real cases submitted in [since, until), oldest first, in batches, with what people and outcomes said. */
  historicalCases(args: SimulationWindow): AsyncIterable<HistoricalCase[]>;
  /** Like historicalCases, only those shadow mode saw: the live route beside the draft's `shadow_routed`. */
  shadowPairs(args: SimulationWindow): AsyncIterable<ShadowPair[]>;

  // --- dataset exports (export-queries.ts)
  /** Up to `limit` decided cases after `after` (submission order) with the human decision in force, filtered. */
  exportDecisions(filter: ExportFilter, after: ExportCursor | null, limit: number): Promise<ExportDecision[]>;

  // --- learning loop (learning-queries.ts)
  /**
   * Confidence and correctness of the workflow's real cases decided in [since, until): every case a
   * person decided (correct = proposal taken unchanged, no outcome or audit saying otherwise) and every
   * auto-routed case an outcome or audit has judged.
   */
  calibrationItems(args: LearningWindow & { riskClass?: string }): Promise<CalibrationRow[]>;
  /** The human decision in force on each real case of the workflow decided in [since, until). */
  decisionSupportRows(args: LearningWindow): Promise<DecisionSupportRow[]>;
}

type Renamed<T, M extends Record<string, keyof T>> = { [K in keyof M]: T[M[K]] };

/** Temporary: the namespaced store over the flat one while the aggregates move into their folders. */
export interface Store {
  readonly engine: FlatStore["engine"];
  describe(): string;
  migrate(): Promise<void>;
  close(): Promise<void>;
  readonly cases: Renamed<
    FlatStore,
    {
      insert: "insertCase";
      get: "getCase";
      detail: "getCaseDetail";
      appendEvents: "appendEvents";
      subjectHistory: "subjectHistory";
    }
  >;
  readonly review: Renamed<
    FlatStore,
    {
      claimNext: "claimNext";
      recordDecision: "recordDecision";
      release: "releaseCase";
      assign: "assignCase";
      recordBlindJudgment: "recordBlindJudgment";
      findBlindJudgment: "findBlindJudgment";
      queueCounts: "queueCounts";
      reviewerDay: "reviewerDay";
      revoke: "revokeDecision";
      revert: "revertDecision";
    }
  >;
  readonly timers: Renamed<FlatStore, { claim: "claimTimers"; fire: "fireTimer" }>;
  readonly outbox: Renamed<
    FlatStore,
    { claim: "claimOutbox"; markDelivered: "markOutboxDelivered"; markFailed: "markOutboxFailed" }
  >;
  readonly identity: Pick<
    FlatStore,
    | "insertKey"
    | "findKeyByTokenHash"
    | "getKey"
    | "hasKeys"
    | "insertUser"
    | "findUserByUsername"
    | "getUser"
    | "insertSession"
    | "findSession"
    | "deleteSession"
    | "deleteExpiredSessions"
    | "getOrCreateSecret"
  >;
  readonly oversight: Pick<
    FlatStore,
    | "insertOutcome"
    | "auditCandidates"
    | "insertAuditDraw"
    | "listAudits"
    | "recordAuditVerdict"
    | "reviewDecisions"
    | "insertAlerts"
    | "listAlerts"
    | "openAlert"
    | "acknowledgeAlert"
    | "insertGoldCases"
    | "listGoldCases"
    | "disableGoldCase"
    | "catchTrialResults"
    | "overlapRatings"
  >;
  readonly learning: Pick<
    FlatStore,
    | "historicalCases"
    | "shadowPairs"
    | "exportDecisions"
    | "calibrationItems"
    | "decisionSupportRows"
    | "countHumanDecisions"
  >;
  readonly metrics: Pick<FlatStore, "governanceTallies" | "countedEventsAfter">;
}
