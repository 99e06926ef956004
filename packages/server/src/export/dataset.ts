import { pairFromEdit, pairsFromRanking, type Verdict } from "@loopgate/core";
import type { ExportDecision, ExportFilter, Store } from "../store/index.js";
import { SeenSet } from "./seen-set.js";

/**
 * Dataset exports (issue 6, item 1): the review record as training data, one JSON object per row.
 * - corrections: what a person corrected (edit, override, reject), for fine-tuning;
 * - preferences: `prompt`/`chosen`/`rejected` pairs from rankings and edits (core preferences.ts);
 * - labels: the labels people gave active-learning cases;
 * - sft: supervised fine-tuning examples from `respond` decisions: the person answered in the tool's
 *   place, so (the input and the tool call the model proposed) → the person's answer is a completion the
 *   model should learn to give.
 * Rows stream in batches; duplicates are dropped exactly (seen-set.ts) and counted for the manifest.
 */

export type ExportKind = "corrections" | "preferences" | "labels" | "sft";
export const EXPORT_KINDS: readonly ExportKind[] = ["corrections", "preferences", "labels", "sft"];

/** The verdicts each kind is made from (and that its `verdict` filter may name). */
export const KIND_VERDICTS: Record<ExportKind, readonly Verdict[]> = {
  corrections: ["edit", "override", "reject", "respond", "request_changes"],
  preferences: ["rank", "edit"],
  labels: ["label"],
  sft: ["respond"],
};

export interface CorrectionRow {
  caseId: string;
  workflow: string;
  action: string;
  input: unknown;
  /** The model's proposal. */
  modelOutput: unknown;
  /**
   * What the reviewer said the automation should do instead; their answer for a respond; null for a
   * reject or a request for changes (whose feedback is the note).
   */
  humanOutput: unknown;
  verdict: Verdict;
  reason: string | null;
  note: string | null;
  reviewer: string;
  decidedAt: string;
  policyVersion: string;
  confidence: number;
}

export interface PreferenceRow {
  prompt: unknown;
  chosen: unknown;
  rejected: unknown;
  source: "rank" | "edit";
  caseId: string;
  workflow: string;
  reviewer: string;
  decidedAt: string;
}

export interface LabelRow {
  caseId: string;
  workflow: string;
  input: unknown;
  label: string;
  reviewer: string;
  decidedAt: string;
  confidence: number;
}

/**
 * One supervised fine-tuning example: `prompt` is what the model worked from, `toolCall` what it
 * proposed to call (the action and its arguments), `completion` the answer a person gave in the tool's
 * place (respond).
 */
export interface SftRow {
  prompt: unknown;
  toolCall: { action: string; arguments: unknown };
  completion: unknown;
  caseId: string;
  workflow: string;
  reviewer: string;
  decidedAt: string;
  policyVersion: string;
}

export type ExportRow = CorrectionRow | PreferenceRow | LabelRow | SftRow;

/** What a caller asks for; the filter in user terms (times epoch ms). */
export interface ExportRequest {
  kind: ExportKind;
  /** undefined = every workflow. */
  workflows?: string[];
  since?: number;
  until?: number;
  reviewer?: string;
  /** One of the kind's verdicts (KIND_VERDICTS). */
  verdict?: Verdict;
  reason?: string;
}

/** The counts and versions behind the manifest, complete once the rows have all been read. */
export interface ExportTally {
  rows: number;
  duplicatesDropped: number;
  /** Cases that contributed at least one row. */
  cases: number;
  policyVersions: Set<string>;
}

export interface ExportManifest {
  kind: ExportKind;
  filters: Record<string, string | string[]>;
  counts: { rows: number; duplicatesDropped: number; cases: number };
  policyVersions: string[];
  generatedAt: string;
}

/** Decisions read per query: large enough that round trips do not dominate, small enough to stay flat. */
const EXPORT_BATCH = 1000;

/**
 * The rows one decision gives, each with its identity: what makes two rows the same training example.
 * A correction is (input, model output, human output): the same final output reached from a different
 * wrong proposal is a different lesson, and a reject's lesson is the proposal it refused. A preference
 * pair is (prompt, chosen, rejected); a label (input, label). Who decided, when and why do not count.
 */
function rowsOf(kind: ExportKind, d: ExportDecision): { row: ExportRow; identity: unknown }[] {
  const decidedAt = new Date(d.decidedAt).toISOString();
  const who = { caseId: d.caseId, workflow: d.workflow };
  switch (kind) {
    case "corrections": {
      const humanOutput = d.verdict === "reject" || d.verdict === "request_changes" ? null : d.output;
      const row: CorrectionRow = {
        ...who,
        action: d.action,
        input: d.input,
        modelOutput: d.proposal,
        humanOutput,
        verdict: d.verdict,
        reason: d.reasonCode,
        note: d.note,
        reviewer: d.reviewer,
        decidedAt,
        policyVersion: d.policyVersion,
        confidence: d.confidence,
      };
      return [{ row, identity: ["correction", d.input, d.proposal, humanOutput] }];
    }
    case "preferences": {
      const pairs =
        d.verdict === "rank"
          ? pairsFromRanking(d.input, d.proposal, d.output as { ranking: string[]; tie?: boolean })
          : [pairFromEdit(d.input, d.proposal, d.output)].filter((p) => p !== null);
      return pairs.map((p) => ({
        row: {
          prompt: p.prompt,
          chosen: p.chosen,
          rejected: p.rejected,
          source: p.source,
          ...who,
          reviewer: d.reviewer,
          decidedAt,
        },
        identity: ["preference", p.prompt, p.chosen, p.rejected],
      }));
    }
    case "labels": {
      const label = (d.output as { label: string }).label;
      const row: LabelRow = {
        ...who,
        input: d.input,
        label,
        reviewer: d.reviewer,
        decidedAt,
        confidence: d.confidence,
      };
      return [{ row, identity: ["label", d.input, label] }];
    }
    case "sft": {
      const row: SftRow = {
        prompt: d.input,
        toolCall: { action: d.action, arguments: d.proposal },
        completion: d.output,
        ...who,
        reviewer: d.reviewer,
        decidedAt,
        policyVersion: d.policyVersion,
      };
      return [{ row, identity: ["sft", d.input, d.action, d.proposal, d.output] }];
    }
  }
}

export function newTally(): ExportTally {
  return { rows: 0, duplicatesDropped: 0, cases: 0, policyVersions: new Set() };
}

/**
 * The export's rows, one array per batch read, first occurrence of each identity kept (cases in
 * submission order). `tally` is updated as batches are yielded. Memory stays flat: one batch of
 * decisions, the dedup set's page cache, and the policy versions seen (a handful).
 */
export async function* exportBatches(
  store: Store,
  req: ExportRequest,
  tally: ExportTally = newTally(),
  batchSize = EXPORT_BATCH,
): AsyncGenerator<ExportRow[]> {
  const filter: ExportFilter = {
    verdicts: req.verdict ? [req.verdict] : [...KIND_VERDICTS[req.kind]],
    ...(req.workflows ? { workflows: req.workflows } : {}),
    ...(req.since !== undefined ? { since: req.since } : {}),
    ...(req.until !== undefined ? { until: req.until } : {}),
    ...(req.reviewer !== undefined ? { reviewer: req.reviewer } : {}),
    ...(req.reason !== undefined ? { reason: req.reason } : {}),
  };
  const seen = new SeenSet();
  try {
    let after: { createdAt: number; caseId: string } | null = null;
    for (;;) {
      const decisions = await store.learning.exportDecisions(filter, after, batchSize);
      const last = decisions.at(-1);
      if (!last) return;
      after = { createdAt: last.createdAt, caseId: last.caseId };
      const candidates = decisions.flatMap((d) => rowsOf(req.kind, d).map((r) => ({ ...r, d })));
      const fresh = seen.addAll(candidates.map((c) => SeenSet.digest(c.identity)));
      const out: ExportRow[] = [];
      let lastCase: string | undefined;
      candidates.forEach((c, i) => {
        if (!fresh[i]) {
          tally.duplicatesDropped++;
          return;
        }
        out.push(c.row);
        // A decision's rows are adjacent, so counting case changes counts contributing cases.
        if (c.d.caseId !== lastCase) tally.cases++;
        lastCase = c.d.caseId;
        tally.policyVersions.add(c.d.policyVersion);
      });
      tally.rows += out.length;
      if (out.length > 0) yield out;
      if (decisions.length < batchSize) return;
    }
  } finally {
    seen.close();
  }
}

/** The manifest of a finished export. */
export function manifestOf(req: ExportRequest, tally: ExportTally, now: number): ExportManifest {
  const filters: Record<string, string | string[]> = {};
  if (req.workflows)
    filters.workflow = req.workflows.length === 1 ? (req.workflows[0] as string) : req.workflows;
  if (req.since !== undefined) filters.since = new Date(req.since).toISOString();
  if (req.until !== undefined) filters.until = new Date(req.until).toISOString();
  if (req.reviewer !== undefined) filters.reviewer = req.reviewer;
  if (req.verdict !== undefined) filters.verdict = req.verdict;
  if (req.reason !== undefined) filters.reason = req.reason;
  return {
    kind: req.kind,
    filters,
    counts: { rows: tally.rows, duplicatesDropped: tally.duplicatesDropped, cases: tally.cases },
    policyVersions: [...tally.policyVersions].sort(),
    generatedAt: new Date(now).toISOString(),
  };
}

/** Reads the whole export for its manifest, keeping nothing but the counts. */
export async function exportManifest(store: Store, req: ExportRequest, now: number): Promise<ExportManifest> {
  const tally = newTally();
  for await (const _ of exportBatches(store, req, tally)) {
    // Only the counts are wanted.
  }
  return manifestOf(req, tally, now);
}

/** NDJSON text of one batch: one line per row, each ending in "\n". */
export function ndjson(rows: ExportRow[]): string {
  let text = "";
  for (const r of rows) text += `${JSON.stringify(r)}\n`;
  return text;
}
