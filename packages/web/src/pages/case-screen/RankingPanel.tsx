import type { CaseView } from "../../types";
import { candidateNumber } from "./decision-draft";

/** Preference ranking: the order picked so far, best first, and a way to start over. */
export function RankingPanel({
  c,
  ranking,
  onClear,
}: {
  c: CaseView;
  ranking: string[];
  onClear: () => void;
}) {
  return (
    <p className="choice-summary">
      Your ranking: {ranking.map((r) => `candidate ${candidateNumber(c, r)}`).join(" > ")}
      <button type="button" className="link" onClick={onClear}>
        Clear
      </button>
    </p>
  );
}
