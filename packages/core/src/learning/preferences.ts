/**
 * Preference pairs (`prompt`, `chosen`, `rejected`), the training rows of reward models and DPO, from
 * what reviewers decided:
 * - a ranking (`rank` verdict, `{ranking: [ids, best first], tie}`) over the proposal's candidates
 *   (`{candidates: [{id, output}]}`) gives every ordered pair: k candidates give k(k−1)/2 pairs, the
 *   better one chosen. A tie gives none: the reviewer said neither is better.
 * - an edit gives one pair: the reviewer's output chosen over the model's proposal.
 */
export interface PreferencePair {
  prompt: unknown;
  chosen: unknown;
  rejected: unknown;
  /** Where the pair came from, for filtering and weighting: `rank` or `edit`. */
  source: "rank" | "edit";
  /** For rank pairs: the two candidates' places in the ranking (1 = best). */
  chosenRank?: number;
  rejectedRank?: number;
}

interface Candidate {
  id: string;
  output: unknown;
}

function candidatesOf(proposal: unknown): Map<string, unknown> | null {
  if (typeof proposal !== "object" || proposal === null) return null;
  const list = (proposal as { candidates?: unknown }).candidates;
  if (!Array.isArray(list)) return null;
  const out = new Map<string, unknown>();
  for (const c of list as Candidate[]) {
    if (typeof c === "object" && c !== null && typeof c.id === "string") out.set(c.id, c.output);
  }
  return out;
}

/** The pairs of one ranking: [] for a tie, or when the ranking names candidates the proposal lacks. */
export function pairsFromRanking(
  prompt: unknown,
  proposal: unknown,
  output: { ranking: readonly string[]; tie?: boolean },
): PreferencePair[] {
  if (output.tie) return [];
  const candidates = candidatesOf(proposal);
  const ranked = output.ranking.map((id) => ({ id, output: candidates ? candidates.get(id) : id }));
  if (ranked.some((r) => r.output === undefined)) return [];
  const pairs: PreferencePair[] = [];
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      pairs.push({
        prompt,
        chosen: (ranked[i] as Candidate).output,
        rejected: (ranked[j] as Candidate).output,
        source: "rank",
        chosenRank: i + 1,
        rejectedRank: j + 1,
      });
    }
  }
  return pairs;
}

/** The pair of one edit: the reviewer's output over the model's, unless the edit changed nothing. */
export function pairFromEdit(prompt: unknown, proposal: unknown, edited: unknown): PreferencePair | null {
  if (JSON.stringify(proposal) === JSON.stringify(edited)) return null;
  return { prompt, chosen: edited, rejected: proposal, source: "edit" };
}
