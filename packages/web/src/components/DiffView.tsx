import { diffLines, diffWords } from "diff";
import { useMemo } from "react";

/**
 * What the reviewer changed against the proposal: words for prose, lines for JSON. Removed text is
 * struck through and added text underlined (and named for screen readers), not only coloured.
 */
export function DiffView({
  before,
  after,
  mode,
}: {
  before: string;
  after: string;
  mode: "words" | "lines";
}) {
  const parts = useMemo(
    () => (mode === "words" ? diffWords(before, after) : diffLines(before, after)),
    [before, after, mode],
  );
  let added = 0;
  let removed = 0;
  for (const p of parts) {
    if (p.added) added += p.count ?? 1;
    if (p.removed) removed += p.count ?? 1;
  }
  const unit = mode === "words" ? "word" : "line";
  const plural = (n: number) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  return (
    <section className="diff" aria-label="Changes against the proposal">
      <h3>
        Changes against the proposal{" "}
        <span className="muted">
          {added || removed ? `${plural(removed)} removed, ${plural(added)} added` : "none yet"}
        </span>
      </h3>
      <pre className={`diff-body ${mode}`} data-testid="diff">
        {parts.map((p, i) => {
          const key = `${i}-${p.added ? "a" : p.removed ? "r" : "s"}`;
          if (p.added)
            return (
              <ins key={key}>
                <span className="sr-only">[added: </span>
                {p.value}
                <span className="sr-only">]</span>
              </ins>
            );
          if (p.removed)
            return (
              <del key={key}>
                <span className="sr-only">[removed: </span>
                {p.value}
                <span className="sr-only">]</span>
              </del>
            );
          return <span key={key}>{p.value}</span>;
        })}
      </pre>
    </section>
  );
}
