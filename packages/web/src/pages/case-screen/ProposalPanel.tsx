import type { Ref } from "react";
import { ConfidenceMeter } from "../../components/ConfidenceMeter";
import type { Flags } from "../../components/FieldList";
import {
  CandidatesProposal,
  DraftProposal,
  LabelProposal,
  OptionsProposal,
  patternHeading,
} from "../../components/ProposalView";
import { show, VERDICT_PAST, words } from "../../format";
import type { CaseView, Pattern, VerdictBody } from "../../types";
import type { DecisionDraft } from "./decision-draft";

/**
 * The model's side of the case: its proposal in the pattern's own shape, its confidence and rationale;
 * or, blind-first, a box saying it stays hidden until the reviewer's own judgment is recorded. On a
 * human_only case it is shown as what it is: a preparation for the person who does the action.
 */
export function ProposalPanel({
  c,
  pattern,
  blind,
  humanOnly,
  flags,
  myBlind,
  draft,
  canAct,
  onPickLabel,
  onPickOption,
  onPickCandidate,
  headingRef,
}: {
  c: CaseView;
  pattern: Pattern | undefined;
  blind: boolean;
  /** The action is a person's to do (route human_only): nothing here runs by approving it. */
  humanOnly: boolean;
  flags: Flags;
  /** The reviewer's own blind judgment on this case, shown beside the revealed recommendation. */
  myBlind: (VerdictBody & Record<string, unknown>) | undefined;
  draft: DecisionDraft;
  canAct: boolean;
  onPickLabel: (label: string) => void;
  onPickOption: (i: number) => void;
  onPickCandidate: (id: string) => void;
  headingRef: Ref<HTMLHeadingElement>;
}) {
  if (blind) {
    return (
      <section aria-labelledby="proposal-title" className="panel blindbox">
        <h2 id="proposal-title" ref={headingRef} tabIndex={-1}>
          Model's recommendation: hidden for now
        </h2>
        <p>
          This workflow asks for your own judgment before you see the model's recommendation, its confidence
          and its rationale. Read the input and decide what should happen; the recommendation is revealed once
          your judgment is recorded, and then you decide.
        </p>
      </section>
    );
  }
  const e = c.explanation;
  return (
    <section aria-labelledby="proposal-title" className="panel proposal">
      <h2 id="proposal-title" ref={headingRef} tabIndex={-1}>
        {humanOnly ? "Prepared by the model" : patternHeading(pattern)}
      </h2>
      {humanOnly && (
        <p className="muted">
          The model prepared this for the person who does the action; it is never run from here. Use it as a
          guide, do the action yourself, then record what you did.
        </p>
      )}
      {myBlind && (
        <p className="callout">
          Your own judgment, recorded before the reveal:{" "}
          <strong>{VERDICT_PAST[String(myBlind.verdict)] ?? String(myBlind.verdict)}</strong>
          {typeof myBlind.reasonCode === "string" && ` · ${words(myBlind.reasonCode)}`}
          {myBlind.output !== undefined && myBlind.output !== null && (
            <span className="muted"> · {show(myBlind.output).slice(0, 120)}</span>
          )}
        </p>
      )}
      {pattern === "active_learning" ? (
        <LabelProposal
          proposal={c.proposal}
          chosen={draft.mode === "label" ? draft.label : null}
          onPick={onPickLabel}
          disabled={!canAct}
        />
      ) : pattern === "decision_support" ? (
        <OptionsProposal
          proposal={c.proposal}
          chosen={draft.option}
          onPick={onPickOption}
          disabled={!canAct}
        />
      ) : pattern === "preference_ranking" ? (
        <CandidatesProposal
          proposal={c.proposal}
          ranking={draft.mode === "rank" ? draft.ranking : []}
          onPick={onPickCandidate}
          disabled={!canAct}
        />
      ) : (
        <DraftProposal proposal={c.proposal} flags={flags} />
      )}
      <h3>Confidence</h3>
      <ConfidenceMeter confidence={c.confidence} threshold={e.threshold} riskClass={e.riskClass} />
      <h3>Rationale</h3>
      {c.rationale ? <p className="textblock">{c.rationale}</p> : <p className="muted">None given.</p>}
    </section>
  );
}
