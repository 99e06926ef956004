import type { CaseRecord } from "../store/index.js";

/** What a reviewer needs to decide from a message, as plain text: the case's essentials. */
export interface CaseSummary {
  caseId: string;
  workflow: string;
  action: string;
  riskClass: string;
  /** 0.93 → "93 %". */
  confidence: string;
  /** The proposal as compact JSON, cut at PROPOSAL_CHARS. */
  proposal: string;
  rationale: string | null;
  /** "review by 2026-12-03 16:00 UTC", or null without an SLA. */
  sla: string | null;
  route: string;
}

/** Slack section text is limited to 3000 characters; a message summarises, the workspace shows all. */
const PROPOSAL_CHARS = 600;

export function summarise(c: CaseRecord): CaseSummary {
  const json = JSON.stringify(c.proposal) ?? "null";
  return {
    caseId: c.id,
    workflow: c.workflow,
    action: c.action,
    riskClass: c.riskClass,
    confidence: `${Math.round(c.confidence * 100)} %`,
    proposal: json.length > PROPOSAL_CHARS ? `${json.slice(0, PROPOSAL_CHARS)}…` : json,
    rationale: c.rationale && c.rationale.length > 300 ? `${c.rationale.slice(0, 300)}…` : c.rationale,
    sla:
      c.slaDueAt === null
        ? null
        : `review by ${new Date(c.slaDueAt).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    route: c.route,
  };
}

/** A digest's content: how many wait, per action, and the oldest. */
export interface DigestSummary {
  workflow: string;
  count: number;
  byAction: Array<{ action: string; count: number }>;
}

export function digestOf(workflow: string, cases: CaseRecord[]): DigestSummary {
  const counts = new Map<string, number>();
  for (const c of cases) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  return {
    workflow,
    count: cases.length,
    byAction: [...counts].map(([action, count]) => ({ action, count })).sort((a, b) => b.count - a.count),
  };
}
