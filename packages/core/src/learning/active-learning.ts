/**
 * Active learning: which waiting case would teach the model most if a person labelled it next.
 * Uncertainty sampling over the model's class probabilities (Settles 2009, "Active Learning Literature
 * Survey", §3.1): every strategy returns a score where higher = more uncertain = ask a person first.
 */
export type ActiveLearningStrategy = "least_confidence" | "margin" | "entropy";
export const ACTIVE_LEARNING_STRATEGIES: readonly ActiveLearningStrategy[] = [
  "least_confidence",
  "margin",
  "entropy",
];

/** Class probabilities as the model gave them, normalised to sum to 1 (negative or NaN values refused). */
export function normaliseProbabilities(probabilities: Readonly<Record<string, number>>): number[] {
  const values = Object.values(probabilities);
  if (values.length === 0) throw new RangeError("class probabilities are empty");
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`class probabilities must be >= 0, got ${v}`);
  }
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) throw new RangeError("class probabilities sum to 0");
  return values.map((v) => v / total);
}

/**
 * - least_confidence: 1 − max p (the model's best guess is weak).
 * - margin: 1 − (p₁ − p₂), the two best classes are close (Scheffer et al. 2001); a single class has margin 1.
 * - entropy: −Σ p ln p, normalised by ln K so it lies in [0, 1] whatever the number of classes.
 */
export function uncertainty(
  probabilities: Readonly<Record<string, number>>,
  strategy: ActiveLearningStrategy,
): number {
  const p = normaliseProbabilities(probabilities).sort((a, b) => b - a);
  const first = p[0] as number;
  switch (strategy) {
    case "least_confidence":
      return 1 - first;
    case "margin":
      return 1 - (first - (p[1] ?? 0));
    case "entropy": {
      if (p.length < 2) return 0;
      const h = p.reduce((sum, v) => (v > 0 ? sum - v * Math.log(v) : sum), 0);
      return h / Math.log(p.length);
    }
  }
}

/** Orders items most uncertain first; ties keep their given order (oldest first, say). */
export function orderByUncertainty<T>(
  items: ReadonlyArray<T>,
  probabilitiesOf: (item: T) => Readonly<Record<string, number>>,
  strategy: ActiveLearningStrategy,
): T[] {
  return items
    .map((item, index) => ({ item, index, score: uncertainty(probabilitiesOf(item), strategy) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((x) => x.item);
}

/**
 * The model's class probabilities as a case carries them: `proposal.candidates: [{label, probability}]`
 * (as the ticket.triage example submits), else the proposal alone at its stated confidence against
 * everything else.
 */
export function classProbabilities(proposal: unknown, confidence: number): Record<string, number> {
  const candidates = (proposal as { candidates?: unknown } | null)?.candidates;
  if (Array.isArray(candidates)) {
    const out: Record<string, number> = {};
    candidates.forEach((c, i) => {
      const item = c as { label?: unknown; id?: unknown; probability?: unknown } | null;
      const p = item?.probability;
      if (typeof p !== "number" || !Number.isFinite(p) || p < 0) return;
      const name =
        typeof item?.label === "string" ? item.label : typeof item?.id === "string" ? item.id : `#${i}`;
      out[name] = (out[name] ?? 0) + p;
    });
    if (Object.values(out).some((p) => p > 0)) return out;
  }
  const c = Math.min(1, Math.max(0, confidence));
  return { proposed: c, other: 1 - c };
}
