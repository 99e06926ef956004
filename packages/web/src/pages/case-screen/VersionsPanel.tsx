import { DiffView } from "../../components/DiffView";
import { show, time, VERDICT_PAST, words } from "../../format";
import type { CaseView, VersionView } from "../../types";

/**
 * A revised case's versions side by side: the previous proposal, the feedback the reviewer sent on it
 * (request_changes), and this version's proposal, with what changed between the two. Earlier versions
 * are listed above, each with the decision it got. Shown only when the case has more than one version.
 */
export function VersionsPanel({ c }: { c: CaseView }) {
  const versions = c.versions ?? [];
  const at = versions.findIndex((v) => v.id === c.id);
  if (versions.length < 2 || at < 0) return null;
  const current = versions[at] as VersionView;
  // This version against the one it revises; a first version (that was revised) against its revision.
  const [before, after] =
    at > 0 ? [versions[at - 1] as VersionView, current] : [current, versions[1] as VersionView];
  const feedback = before.decision;
  const hidden = c.blind === true;
  return (
    <section aria-labelledby="versions-title" className="panel versions">
      <h2 id="versions-title">
        Version {current.version} of {versions.length}
      </h2>
      <ol className="version-chain">
        {versions.map((v) => (
          <li key={v.id} aria-current={v.id === c.id ? "true" : undefined}>
            <strong>Version {v.version}</strong>
            {v.id === c.id ? " (this case)" : ""} · {time(v.createdAt)}
            {v.decision ? ` · ${VERDICT_PAST[v.decision.verdict] ?? v.decision.verdict}` : " · undecided"}
            {v.decision?.reasonCode ? ` (${words(v.decision.reasonCode)})` : ""}
          </li>
        ))}
      </ol>
      {hidden ? (
        <p className="muted">The proposals stay hidden until your own judgment is recorded.</p>
      ) : (
        <div className="versions-side">
          <figure aria-label={`Version ${before.version}`}>
            <figcaption>Version {before.version}</figcaption>
            <pre className="version-proposal">{show(before.proposal)}</pre>
          </figure>
          <div className="version-feedback" role="note" aria-label="The reviewer's feedback">
            <strong>{feedback ? (VERDICT_PAST[feedback.verdict] ?? feedback.verdict) : "Undecided"}</strong>
            {feedback?.note ? <p>“{feedback.note}”</p> : null}
          </div>
          <figure aria-label={`Version ${after.version}`}>
            <figcaption>
              Version {after.version}
              {after.id === c.id ? " (this case)" : ""}
            </figcaption>
            <pre className="version-proposal">{show(after.proposal)}</pre>
          </figure>
        </div>
      )}
      {!hidden && <DiffView before={show(before.proposal)} after={show(after.proposal)} mode="lines" />}
    </section>
  );
}
