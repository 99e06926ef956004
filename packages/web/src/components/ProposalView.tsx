import { pct, show, words } from "../format";
import { asCandidates, asDraft, asLabels, asOptions } from "../proposals";
import type { Pattern } from "../types";
import { FieldList, type Flags } from "./FieldList";

/** A draft or any JSON proposal (review & approve, exception routing). */
export function DraftProposal({ proposal, flags }: { proposal: unknown; flags: Flags }) {
  const d = asDraft(proposal);
  switch (d.kind) {
    case "text":
    case "string":
      return (
        <>
          <FlagNote flags={flags} paths={["proposal.text", "proposal"]} />
          <p className="textblock draft">{d.text}</p>
          <OtherFields proposal={proposal} shown={["text"]} flags={flags} />
        </>
      );
    case "email":
      return (
        <div className="email">
          <FlagNote flags={flags} paths={["proposal.subject", "proposal.body"]} />
          <p>
            <span className="muted">Subject:</span> <strong>{d.subject}</strong>
          </p>
          <p className="textblock draft">{d.body}</p>
          <OtherFields proposal={proposal} shown={["subject", "body"]} flags={flags} />
        </div>
      );
    case "json":
      return typeof proposal === "object" && proposal !== null ? (
        <FieldList value={proposal} path="proposal" flags={flags} />
      ) : (
        <pre className="json">{d.json}</pre>
      );
  }
}

/** The rest of a draft proposal (claims, recipients, amounts): nothing the automation sends is hidden. */
function OtherFields({ proposal, shown, flags }: { proposal: unknown; shown: string[]; flags: Flags }) {
  if (typeof proposal !== "object" || proposal === null || Array.isArray(proposal)) return null;
  const rest = Object.fromEntries(Object.entries(proposal).filter(([k]) => !shown.includes(k)));
  if (Object.keys(rest).length === 0) return null;
  const own = new Map(
    [...flags].filter(([p]) => !shown.some((k) => p === `proposal.${k}` || p.startsWith(`proposal.${k}.`))),
  );
  return <FieldList value={rest} path="proposal" flags={own} />;
}

/** "⚑ flagged by pricing mentioned" above a draft text that a fired trigger read. */
function FlagNote({ flags, paths }: { flags: Flags; paths: string[] }) {
  const triggers = [...new Set(paths.flatMap((p) => flags.get(p) ?? []))];
  if (triggers.length === 0) return null;
  return (
    <p className="flag">
      <span aria-hidden="true">⚑ </span>flagged by {triggers.map(words).join(", ")}
    </p>
  );
}

/** Active learning: the model's label and its top candidates; pick one (1–9) or type another. */
export function LabelProposal({
  proposal,
  chosen,
  onPick,
  disabled,
}: {
  proposal: unknown;
  chosen: string | null;
  onPick: (label: string) => void;
  disabled: boolean;
}) {
  const { label, candidates } = asLabels(proposal);
  return (
    <div className="labels">
      <p>
        Model's label: <strong>{label ?? "none"}</strong>
      </p>
      <ol className="choices" aria-label="Model's top candidates">
        {candidates.map((c, i) => (
          <li key={c.label}>
            <button
              type="button"
              className="choice"
              aria-pressed={chosen === c.label}
              disabled={disabled}
              onClick={() => onPick(c.label)}
              aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}
            >
              {i < 9 && <kbd>{i + 1}</kbd>}
              <span className="choice-label">{c.label}</span>
              {c.probability !== null && (
                <>
                  <span className="prob">{pct(c.probability)}</span>
                  <span className="probbar" aria-hidden="true">
                    <span style={{ width: `${Math.round(c.probability * 100)}%` }} />
                  </span>
                </>
              )}
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Decision support: ranked options with their risk factors; accept one. */
export function OptionsProposal({
  proposal,
  chosen,
  onPick,
  disabled,
}: {
  proposal: unknown;
  chosen: number | null;
  onPick: (index: number) => void;
  disabled: boolean;
}) {
  const options = asOptions(proposal);
  if (options.length === 0) return <pre className="json">{show(proposal)}</pre>;
  return (
    <ol className="options" aria-label="Ranked options, best first">
      {options.map((o, i) => (
        <li key={o.id} className={chosen === i ? "chosen" : undefined}>
          <div className="option-head">
            <span className="rank">#{i + 1}</span>
            <strong>{words(o.action)}</strong>
            {i === 0 && <span className="tag">model's recommendation</span>}
          </div>
          {o.summary && <p>{o.summary}</p>}
          {o.riskFactors.length > 0 ? (
            <ul className="risks" aria-label={`Risk factors of option ${i + 1}`}>
              {o.riskFactors.map((r) => (
                <li key={r}>
                  <span aria-hidden="true">⚠ </span>
                  {r}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No risk factors named.</p>
          )}
          <button
            type="button"
            aria-pressed={chosen === i}
            disabled={disabled}
            onClick={() => onPick(i)}
            aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}
          >
            {i < 9 && <kbd>{i + 1}</kbd>} Accept option {i + 1}
            {i > 0 ? " (override)" : ""}
          </button>
        </li>
      ))}
    </ol>
  );
}

/** Preference ranking: candidates side by side; pick the better (or rank them in order). */
export function CandidatesProposal({
  proposal,
  ranking,
  onPick,
  disabled,
}: {
  proposal: unknown;
  ranking: string[];
  onPick: (id: string) => void;
  disabled: boolean;
}) {
  const candidates = asCandidates(proposal);
  if (candidates.length === 0) return <pre className="json">{show(proposal)}</pre>;
  return (
    <ol className="candidates" aria-label="Candidate outputs" data-count={candidates.length}>
      {candidates.map((c, i) => {
        const place = ranking.indexOf(c.id);
        const complete = ranking.length === candidates.length;
        const draft = asDraft(c.output);
        const action =
          place === 0
            ? "Picked as better"
            : place > 0
              ? `Ranked #${place + 1}`
              : ranking.length === 0 || complete
                ? `Candidate ${i + 1} is better`
                : `Rank candidate ${i + 1} next`;
        return (
          <li key={c.id} className={place === 0 ? "chosen" : undefined}>
            <h3>
              Candidate {i + 1}
              {place >= 0 && (
                <span className="tag">{place === 0 ? "your pick: better" : `your #${place + 1}`}</span>
              )}
            </h3>
            {draft.kind === "json" ? (
              <pre className="json">{draft.json}</pre>
            ) : draft.kind === "email" ? (
              <div className="email">
                <p>
                  <span className="muted">Subject:</span> <strong>{draft.subject}</strong>
                </p>
                <p className="textblock">{draft.body}</p>
              </div>
            ) : (
              <p className="textblock">{draft.text}</p>
            )}
            <button
              type="button"
              aria-pressed={place === 0}
              disabled={disabled || (place >= 0 && !complete)}
              onClick={() => onPick(c.id)}
              aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}
            >
              {i < 9 && <kbd>{i + 1}</kbd>} {action}
            </button>
          </li>
        );
      })}
    </ol>
  );
}

export function patternHeading(pattern: Pattern | undefined): string {
  switch (pattern) {
    case "active_learning":
      return "Label";
    case "decision_support":
      return "Recommended options";
    case "preference_ranking":
      return "Which output is better?";
    default:
      return "Model's proposal";
  }
}
