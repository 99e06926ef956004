import { setImmediate } from "node:timers/promises";
import {
  type CaseEvidence,
  type CaseSubmission,
  type HistoricalCase,
  type Route,
  type RoutedPair,
  type RouteExplanation,
  type Routing,
  requestedRiskClass,
  SYSTEM_DECIDERS,
} from "@loopgate/core";
import type { Db } from "../rows.js";

/**
 * Policy simulation and shadow mode (issue 6, item 6): real cases of a window streamed in batches, each
 * with what people and outcomes said about it, for core `simulatePolicy` / `PolicyComparison`.
 *
 * Shadow cases (catch trials, overlap copies) are left out: they repeat a real case or a known answer.
 *
 * Paging is keyset on (created_at, id), so memory stays at one batch however long the window. Each page
 * is a range from the cursor on the real cases' `created_at` (the partial index of migration 010,
 * `cases_metrics_created`, has the same predicate), so a page costs its own rows, not the window's.
 */

/** [since, until) of submission time, epoch ms. */
export interface SimulationWindow {
  workflow: string;
  since: number;
  until: number;
  /** Cases per batch (default 500). */
  batchSize?: number;
}

/** A shadow-mode comparison row: the draft's routing as recorded at submit, with the draft's version. */
export interface ShadowPair extends RoutedPair {
  draftVersion: string | null;
}

const DEFAULT_BATCH = 500;

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

/** Real cases of the window, oldest first, in batches. */
async function* casePages(db: Db, w: SimulationWindow, onlyShadowRouted: boolean) {
  const limit = w.batchSize ?? DEFAULT_BATCH;
  let after: { at: number; id: string } | undefined;
  for (;;) {
    // Between pages the event loop gets a turn: on SQLite a page is read synchronously, and a history
    // of a hundred thousand cases would otherwise hold every request of the process for its whole read.
    if (after) await setImmediate();
    let q = db
      .selectFrom("cases as c")
      .selectAll("c")
      .where("c.workflow", "=", w.workflow)
      .where("c.created_at", ">=", w.since)
      .where("c.created_at", "<", w.until)
      .where("c.gold_id", "is", null)
      .where("c.overlap_of", "is", null)
      .orderBy("c.created_at")
      .orderBy("c.id")
      .limit(limit);
    if (after) {
      const { at, id } = after;
      // The plain bound lets the planner start the range at the cursor; the OR breaks ties by id.
      q = q
        .where("c.created_at", ">=", at)
        .where((eb) =>
          eb.or([eb("c.created_at", ">", at), eb.and([eb("c.created_at", "=", at), eb("c.id", ">", id)])]),
        );
    }
    if (onlyShadowRouted) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("events as e")
            .select("e.seq")
            .whereRef("e.case_id", "=", "c.id")
            .where("e.type", "=", "shadow_routed"),
        ),
      );
    }
    const rows = await q.execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < limit) return;
    const last = rows[rows.length - 1] as (typeof rows)[number];
    after = { at: Number(last.created_at), id: last.id };
  }
}

/** Per case of `ids`: the verdict of the human decision in force, and what outcomes and audits said. */
async function factsOf(db: Db, ids: string[]) {
  const [decisions, outcomes, audits] = await Promise.all([
    db
      .selectFrom("decisions")
      .select(["case_id", "id", "decided_by", "verdict", "decided_at"])
      .where("case_id", "in", ids)
      .where("revoked_at", "is", null)
      .execute(),
    db
      .selectFrom("outcomes")
      .select(["case_id", "id", "result", "reported_at"])
      .where("case_id", "in", ids)
      .execute(),
    db
      .selectFrom("audits")
      .select(["case_id", "verdict"])
      .where("case_id", "in", ids)
      .where("status", "=", "done")
      .execute(),
  ]);
  const inForce = new Map<string, (typeof decisions)[number]>();
  for (const d of decisions) {
    const prev = inForce.get(d.case_id);
    const at = Number(d.decided_at);
    if (!prev || at > Number(prev.decided_at) || (at === Number(prev.decided_at) && d.id > prev.id)) {
      inForce.set(d.case_id, d);
    }
  }
  const latestOutcome = new Map<string, (typeof outcomes)[number]>();
  for (const o of outcomes) {
    const prev = latestOutcome.get(o.case_id);
    const at = Number(o.reported_at);
    if (!prev || at > Number(prev.reported_at) || (at === Number(prev.reported_at) && o.id > prev.id)) {
      latestOutcome.set(o.case_id, o);
    }
  }
  const said = new Map<string, string[]>();
  const note = (caseId: string, result: string | null) => {
    if (result === null) return;
    said.set(caseId, [...(said.get(caseId) ?? []), result]);
  };
  for (const [caseId, o] of latestOutcome) note(caseId, o.result);
  for (const a of audits) note(a.case_id, a.verdict);
  return (caseId: string): { humanVerdict: string | null; evidence: CaseEvidence } => {
    const d = inForce.get(caseId);
    const results = said.get(caseId) ?? [];
    // One "incorrect" (outcome or audit) outweighs any "correct": the proposal went wrong somewhere.
    const evidence: CaseEvidence = results.includes("incorrect")
      ? "incorrect"
      : results.includes("correct")
        ? "correct"
        : null;
    const human = d !== undefined && !SYSTEM_DECIDERS.includes(d.decided_by);
    return { humanVerdict: human ? d.verdict : null, evidence };
  };
}

/** The real cases of a workflow submitted in [since, until), oldest first, in batches. */
export async function* historicalCases(db: Db, w: SimulationWindow): AsyncGenerator<HistoricalCase[]> {
  for await (const rows of casePages(db, w, false)) {
    const facts = await factsOf(
      db,
      rows.map((r) => r.id),
    );
    yield rows.map((r) => {
      const explanation = parse(r.explanation) as RouteExplanation;
      const requested = requestedRiskClass(explanation);
      const rationale = r.rationale;
      const evidence = parse(r.evidence) as unknown[] | null;
      const metadata = parse(r.metadata) as Record<string, unknown> | null;
      const context = parse(r.context) as Record<string, unknown> | null;
      const submission: CaseSubmission = {
        workflow: r.workflow,
        action: r.action,
        input: parse(r.input) as Record<string, unknown>,
        proposal: parse(r.proposal),
        confidence: Number(r.confidence),
        ...(rationale !== null && { rationale }),
        ...(evidence !== null && { evidence }),
        ...(r.subject !== null && { subject: r.subject }),
        ...(metadata !== null && { metadata }),
        ...(context !== null && { context }),
        ...(requested !== undefined && { riskClass: requested }),
      };
      return {
        id: r.id,
        at: Number(r.created_at),
        submission,
        recorded: { route: r.route as Route, riskClass: r.risk_class },
        ...facts(r.id),
      };
    });
  }
}

/**
 * The real cases of a workflow submitted in [since, until) that shadow mode saw: what the live policy
 * did (the case's route) beside what the draft would have done (its `shadow_routed` event).
 */
export async function* shadowPairs(db: Db, w: SimulationWindow): AsyncGenerator<ShadowPair[]> {
  for await (const rows of casePages(db, w, true)) {
    const ids = rows.map((r) => r.id);
    const [facts, events] = await Promise.all([
      factsOf(db, ids),
      db
        .selectFrom("events")
        .select(["case_id", "data"])
        .where("case_id", "in", ids)
        .where("type", "=", "shadow_routed")
        .orderBy("seq")
        .execute(),
    ]);
    const shadow = new Map(events.map((e) => [e.case_id, JSON.parse(e.data) as Record<string, unknown>]));
    yield rows.map((r) => {
      const data = shadow.get(r.id) ?? {};
      const draft: Routing =
        typeof data.error === "string"
          ? { error: data.error }
          : { route: data.route as Route, riskClass: String(data.riskClass) };
      return {
        id: r.id,
        at: Number(r.created_at),
        live: { route: r.route as Route, riskClass: r.risk_class },
        draft,
        draftVersion: typeof data.policyVersion === "string" ? data.policyVersion : null,
        ...facts(r.id),
      };
    });
  }
}
