import { type ApprovalRoute, approvalOf, type OutputChange, outputChanges } from "@loopgate/core";
import { insertEvents } from "../cases/events.js";
import { trackRollups } from "../metrics/rollup-writes.js";
import type { Db } from "../rows.js";

/**
 * Audit sampling (issue 5, item 3): the approved cases a draw is made from, the stored draws and audits,
 * and the auditors' verdicts.
 */

/** An approved case that may be drawn: the input of core `drawAuditSample`. */
export interface AuditCandidate {
  caseId: string;
  /** Held time of the approving decision (claim to decision), null for an auto approval. */
  heldMs: number | null;
  route: ApprovalRoute;
  /** When the case was decided (epoch ms). */
  decidedAt: number;
}

export interface NewAuditDraw {
  id: string;
  workflow: string;
  seed: string;
  rate: number;
  meanWeight: number;
  fastBelowMs: number | null;
  since: number;
  until: number;
  population: number;
  drawnBy: string;
  drawnAt: number;
  audits: { id: string; caseId: string; probability: number; weight: number }[];
}

export interface AuditView {
  id: string;
  caseId: string;
  drawId: string;
  probability: number;
  weight: number;
  status: "open" | "done";
  verdict: "correct" | "incorrect" | null;
  note: string | null;
  auditor: string | null;
  decidedAt: number | null;
  case: {
    workflow: string;
    action: string;
    route: string;
    verdict: string | null;
    decidedBy: string | null;
    heldSeconds: number | null;
    proposal: unknown;
    output: unknown;
    /** The decision's reason code and note, as the reviewer gave them. */
    reasonCode: string | null;
    decisionNote: string | null;
    /** Where the output differs from the proposal (an edit), leaf by leaf; [] for an approval as proposed. */
    changes: OutputChange[];
    /** The decider's own judgment before the model's side was shown (blind-first), when there was one. */
    blindJudgment: {
      verdict: string;
      output: unknown;
      reasonCode: string | null;
      note: string | null;
      at: number;
    } | null;
  };
}

/**
 * Cases of the workflow decided in [since, until) whose decision in force (the latest not revoked) is an
 * approval — by the policy (`auto`) or a person (approve, edit, override, label, rank) — and that have
 * never been audited. Ordered by decision time then id, so the input order is stable.
 */
export async function auditCandidates(
  db: Db,
  w: { workflow: string; since: number; until: number },
): Promise<AuditCandidate[]> {
  const rows = await db
    .selectFrom("decisions as d")
    .innerJoin("cases as c", "c.id", "d.case_id")
    .leftJoin("audits as a", "a.case_id", "c.id")
    .select([
      "c.id as case_id",
      "c.route",
      "c.decided_at",
      "d.id",
      "d.decided_by",
      "d.verdict",
      "d.held_ms",
      "d.decided_at as d_at",
    ])
    .where("c.workflow", "=", w.workflow)
    .where("c.status", "=", "decided")
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until)
    .where("d.revoked_at", "is", null)
    .where("a.id", "is", null)
    // Shadow cases (catch trials, overlap copies) never reached an automation: nothing to audit.
    .where("c.gold_id", "is", null)
    .where("c.overlap_of", "is", null)
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const prev = latest.get(r.case_id);
    if (
      !prev ||
      Number(r.d_at) > Number(prev.d_at) ||
      (Number(r.d_at) === Number(prev.d_at) && r.id > prev.id)
    ) {
      latest.set(r.case_id, r);
    }
  }
  const out: AuditCandidate[] = [];
  for (const r of latest.values()) {
    const approval = approvalOf({ decidedBy: r.decided_by, verdict: r.verdict });
    if (!approval) continue;
    out.push({
      caseId: r.case_id,
      heldMs: approval === "auto" || r.held_ms === null ? null : Number(r.held_ms),
      route: approval === "auto" ? "auto" : r.route === "human_only" ? "human_only" : "review",
      decidedAt: Number(r.decided_at),
    });
  }
  return out.sort((a, b) => a.decidedAt - b.decidedAt || (a.caseId < b.caseId ? -1 : 1));
}

export async function insertAuditDraw(db: Db, d: NewAuditDraw): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("audit_draws")
      .values({
        id: d.id,
        workflow: d.workflow,
        seed: d.seed,
        rate: d.rate,
        mean_weight: d.meanWeight,
        fast_below_ms: d.fastBelowMs,
        since: d.since,
        until: d.until,
        population: d.population,
        drawn_by: d.drawnBy,
        drawn_at: d.drawnAt,
      })
      .execute();
    if (d.audits.length === 0) return;
    await trx
      .insertInto("audits")
      .values(
        d.audits.map((a) => ({
          id: a.id,
          case_id: a.caseId,
          draw_id: d.id,
          probability: a.probability,
          weight: a.weight,
          status: "open",
          verdict: null,
          note: null,
          auditor: null,
          decided_at: null,
        })),
      )
      .execute();
    await insertEvents(
      trx,
      d.audits.map((a) => ({
        type: "audit_drawn",
        caseId: a.caseId,
        actor: d.drawnBy,
        data: { auditId: a.id, drawId: d.id, probability: a.probability, weight: a.weight },
        at: d.drawnAt,
      })),
    );
  });
}

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

export async function listAudits(
  db: Db,
  f: { workflows?: string[]; status?: "open" | "done"; ids?: string[] },
): Promise<AuditView[]> {
  if (f.workflows?.length === 0 || f.ids?.length === 0) return [];
  let q = db
    .selectFrom("audits as a")
    .innerJoin("audit_draws as dr", "dr.id", "a.draw_id")
    .innerJoin("cases as c", "c.id", "a.case_id")
    .select([
      "a.id",
      "a.case_id",
      "a.draw_id",
      "a.probability",
      "a.weight",
      "a.status",
      "a.verdict",
      "a.note",
      "a.auditor",
      "a.decided_at",
      "dr.drawn_at",
      "c.workflow",
      "c.action",
      "c.route",
      "c.proposal",
    ]);
  if (f.workflows) q = q.where("c.workflow", "in", f.workflows);
  if (f.status) q = q.where("a.status", "=", f.status);
  if (f.ids) q = q.where("a.id", "in", f.ids);
  const rows = await q.orderBy("dr.drawn_at", "desc").orderBy("a.id").execute();
  if (rows.length === 0) return [];
  const decisions = await db
    .selectFrom("decisions")
    .select([
      "id",
      "case_id",
      "decided_by",
      "verdict",
      "output",
      "held_ms",
      "decided_at",
      "reason_code",
      "note",
    ])
    .where(
      "case_id",
      "in",
      rows.map((r) => r.case_id),
    )
    .where("revoked_at", "is", null)
    .execute();
  const inForce = new Map<string, (typeof decisions)[number]>();
  for (const d of decisions) {
    const prev = inForce.get(d.case_id);
    const at = Number(d.decided_at);
    if (!prev || at > Number(prev.decided_at) || (at === Number(prev.decided_at) && d.id > prev.id)) {
      inForce.set(d.case_id, d);
    }
  }
  const blind = await db
    .selectFrom("events")
    .select(["case_id", "actor", "data", "at"])
    .where("type", "=", "blind_judgment")
    .where(
      "case_id",
      "in",
      rows.map((r) => r.case_id),
    )
    .orderBy("seq")
    .execute();
  /** The decider's latest blind judgment on the case: what they thought before the reveal. */
  const blindOf = (caseId: string, decider: string | undefined): AuditView["case"]["blindJudgment"] => {
    const e = blind.filter((b) => b.case_id === caseId && b.actor === decider).at(-1);
    if (!e) return null;
    const data = JSON.parse(e.data) as Record<string, unknown>;
    return {
      verdict: String(data.verdict),
      output: data.output ?? null,
      reasonCode: typeof data.reasonCode === "string" ? data.reasonCode : null,
      note: typeof data.note === "string" ? data.note : null,
      at: Number(e.at),
    };
  };
  return rows.map((r) => {
    const d = inForce.get(r.case_id);
    const proposal = parse(r.proposal);
    const output = d ? parse(d.output) : null;
    return {
      id: r.id,
      caseId: r.case_id,
      drawId: r.draw_id,
      probability: Number(r.probability),
      weight: Number(r.weight),
      status: r.status as AuditView["status"],
      verdict: r.verdict as AuditView["verdict"],
      note: r.note,
      auditor: r.auditor,
      decidedAt: r.decided_at === null ? null : Number(r.decided_at),
      case: {
        workflow: r.workflow,
        action: r.action,
        route: r.route,
        verdict: d?.verdict ?? null,
        decidedBy: d?.decided_by ?? null,
        heldSeconds: d?.held_ms == null ? null : Number(d.held_ms) / 1000,
        proposal,
        output,
        reasonCode: d?.reason_code ?? null,
        decisionNote: d?.note ?? null,
        changes: d && d.verdict !== "approve" && output !== null ? outputChanges(proposal, output) : [],
        blindJudgment: blindOf(r.case_id, d?.decided_by),
      },
    };
  });
}

export interface AuditVerdict {
  id: string;
  caseId: string;
  result: "correct" | "incorrect";
  note: string | null;
  auditor: string;
  at: number;
}

export async function recordAuditVerdict(db: Db, v: AuditVerdict): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // An audit verdict is the outcome that counts when it is the latest (post-review error counts).
    const rollups = await trackRollups(trx, v.caseId, { lock: true });
    const res = await trx
      .updateTable("audits")
      .set({ status: "done", verdict: v.result, note: v.note, auditor: v.auditor, decided_at: v.at })
      .where("id", "=", v.id)
      .where("status", "=", "open")
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await insertEvents(trx, [
      {
        type: "audit_verdict",
        caseId: v.caseId,
        actor: v.auditor,
        data: { auditId: v.id, result: v.result },
        at: v.at,
      },
    ]);
    await rollups.commit();
    return true;
  });
}

/**
 * The audit verdicts of the cases decided in [since, until) (optionally in `workflows`): case id →
 * verdict and when it was given, for the post-review error rate.
 */
export async function auditVerdicts(
  db: Db,
  w: { workflows?: string[]; since: number; until: number },
): Promise<Map<string, { result: "correct" | "incorrect"; at: number }>> {
  let q = db
    .selectFrom("audits as a")
    .innerJoin("cases as c", "c.id", "a.case_id")
    .select(["a.case_id", "a.verdict", "a.decided_at"])
    .where("a.status", "=", "done")
    .where("c.decided_at", ">=", w.since)
    .where("c.decided_at", "<", w.until);
  if (w.workflows) q = q.where("c.workflow", "in", w.workflows);
  const rows = await q.execute();
  return new Map(
    rows.map((r) => [r.case_id, { result: r.verdict as "correct" | "incorrect", at: Number(r.decided_at) }]),
  );
}
