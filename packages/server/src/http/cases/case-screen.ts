import { blindExplanation, type Workflow } from "@loopgate/core";
import type { CaseDetail, CaseRecord, CaseVersion, EventRecord, HistoryEntry } from "../../store/index.js";
import type { AppContext } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { accountableFor, minDecisionAtIso, settingsOf } from "../review/review-rules.js";
import { ownsCase } from "./case-access.js";
import { caseView } from "./views.js";

/** Earlier cases of the subject shown on the case screen. */
const HISTORY_LIMIT = 20;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Whether `p` must see `c` without the model's recommendation (blind-first review). Admins and auditors
 * always see everything; everyone else is blind on an undecided case until the lease holder has
 * recorded their own judgment under the current claim. A new claim starts blind again: each reviewer
 * judges for themselves.
 */
function isBlind(p: Principal, wf: Workflow | undefined, c: CaseRecord, judged: boolean): boolean {
  if (!wf || !settingsOf(wf, c).blindFirst) return false;
  if (p.role === "admin" || p.role === "auditor") return false;
  if (c.status === "decided") return false;
  return !judged;
}

/** Whether a `blind_judgment` event was recorded under the case's current lease. */
function judgedUnderLease(c: CaseRecord, events: EventRecord[]): boolean {
  const lease = c.lease;
  if (!lease) return false;
  return events.some((e) => e.type === "blind_judgment" && e.data.leaseId === lease.id);
}

type CaseView = ReturnType<typeof caseView>;
type Blinded<V> = Omit<V, "proposal" | "confidence" | "rationale" | "explanation" | "blind"> & {
  proposal: null;
  confidence: null;
  rationale: null;
  explanation: ReturnType<typeof blindExplanation>;
  blind: true;
};

/** The view with the model's side removed: proposal, confidence, rationale and the reasons weighing them. */
function blindView<V extends CaseView>(view: V): Blinded<V> {
  return {
    ...view,
    proposal: null,
    confidence: null,
    rationale: null,
    explanation: blindExplanation(view.explanation),
    blind: true,
  };
}

/** A case as `p` may see it right now: blind or not, with its plumbing only for its own automation. */
export function viewFor(
  p: Principal,
  wf: Workflow | undefined,
  c: CaseRecord,
  judged: boolean,
): CaseView | Blinded<CaseView> {
  const view = caseView(c, { plumbing: ownsCase(p, c) });
  return isBlind(p, wf, c, judged) ? blindView(view) : view;
}

function historyView(h: HistoryEntry) {
  return {
    id: h.id,
    workflow: h.workflow,
    action: h.action,
    createdAt: iso(h.createdAt),
    status: h.status,
    route: h.route,
    verdict: h.decision?.verdict ?? null,
    reasonCode: h.decision?.reasonCode ?? null,
    note: h.decision?.note ?? null,
    decidedAt: h.decision ? iso(h.decision.decidedAt) : null,
  };
}

/**
 * One version of a revised case, as the case screen lists them side by side: its proposal, and the
 * decision on it (a request_changes carries the reviewer's feedback in `note`). Blind: no version shows
 * the model's side (each is a recommendation the reviewer must not anchor on before judging).
 */
function versionView(v: CaseVersion, blind: boolean) {
  const d = v.decision;
  return {
    id: v.case.id,
    version: v.case.version,
    status: v.case.status,
    proposal: blind ? null : v.case.proposal,
    confidence: blind ? null : v.case.confidence,
    rationale: blind ? null : v.case.rationale,
    createdAt: iso(v.case.createdAt),
    decision: d
      ? {
          verdict: d.verdict,
          output: d.output,
          reasonCode: d.reasonCode,
          note: d.note,
          decidedAt: iso(d.decidedAt),
        }
      : null,
  };
}

/**
 * The case screen: the case with its decisions and events, the subject's earlier cases in workflows
 * the caller may see (for an automation, only the cases it submitted), and blind-first applied.
 */
export async function caseScreen(ctx: AppContext, p: Principal, c: CaseDetail) {
  const history = c.subject
    ? await ctx.store.cases.subjectHistory({
        subject: c.subject,
        // An overlap copy must not show the real case it repeats (and that case's decision).
        excludeCaseId: c.overlapOf ?? c.id,
        before: c.createdAt,
        workflows: p.workflows ?? undefined,
        ...(p.role === "automation" && { submittedBy: p.id }),
        limit: HISTORY_LIMIT,
      })
    : [];
  const wf = ctx.policies().workflows.get(c.workflow);
  const blind = isBlind(p, wf, c, judgedUnderLease(c, c.events));
  const versions = await ctx.store.cases.versions(c);
  const view = {
    ...caseView(c, { plumbing: ownsCase(p, c) }),
    history: history.map(historyView),
    minDecisionAt: minDecisionAtIso(wf, c),
    accountable: await accountableFor(ctx, wf, c),
    // The chain of versions only where there is one (a revision, or a case that was revised).
    ...(versions.length > 1 && { versions: versions.map((v) => versionView(v, blind)) }),
  };
  return blind ? blindView(view) : view;
}
