// The dashboard test's history: three days of seeded cases from which every expected figure is computed.

/** Nearest-rank percentile, as docs/api.md defines resolutionSeconds. */
export function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
}

type Verdict = "approve" | "edit" | "reject";

/** One seeded case: auto-routed, or reviewed by `reviewer` with a verdict after `heldS` seconds. */
export interface Seeded {
  day: number;
  auto: boolean;
  churn: boolean;
  reviewer?: "ada" | "grace" | "linus";
  verdict?: Verdict;
  reasonCode?: string;
  heldS?: number;
  outcome?: "correct" | "incorrect";
  /** Submit to decision, in seconds (0 for an auto route). */
  resolutionS: number;
}

/** Claim comes this long after submit; cases are this far apart. */
export const CLAIM_AFTER_S = 5;
export const CASE_EVERY_S = 60;

/**
 * Three days of history. Ada and Grace are careful (they take 15–50 s, reject or edit some; Ada rejects
 * more each day and takes longer); Linus approves everything in 2–3 s, enough times for the rubber-stamp
 * detector to flag him. Every figure the test expects is computed from this plan.
 */
export function plan(): Seeded[] {
  const out: Seeded[] = [];
  const perDay = { auto: [4, 2, 6], ada: [10, 12, 14], grace: [12, 10, 8], linus: [11, 13, 15] };
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < (perDay.auto[day] as number); i++) {
      out.push({
        day,
        auto: true,
        churn: false,
        outcome: i === 0 && day === 0 ? "incorrect" : "correct",
        resolutionS: 0,
      });
    }
    for (let i = 0; i < (perDay.ada[day] as number); i++) {
      const held = 15 + ((i * 7 + day * 3) % 25) + day * 5;
      const verdict: Verdict = i % (4 - day) === 1 ? "reject" : i % 5 === 3 ? "edit" : "approve";
      out.push({
        day,
        auto: false,
        churn: i % 5 === 0,
        reviewer: "ada",
        verdict,
        reasonCode: verdict === "reject" ? "tone" : verdict === "edit" ? "wrong_answer" : undefined,
        heldS: held,
        outcome: verdict !== "reject" && i % 3 === 0 ? (i % 2 === 0 ? "incorrect" : "correct") : undefined,
        resolutionS: CLAIM_AFTER_S + held,
      });
    }
    for (let i = 0; i < (perDay.grace[day] as number); i++) {
      const held = 25 + ((i * 11 + day) % 25);
      const verdict: Verdict = (i + day) % 3 === 2 ? "reject" : "approve";
      out.push({
        day,
        auto: false,
        churn: i % 4 === 1,
        reviewer: "grace",
        verdict,
        reasonCode: verdict === "reject" ? "missing_context" : undefined,
        heldS: held,
        outcome: verdict === "approve" && i % 4 === 0 ? "correct" : undefined,
        resolutionS: CLAIM_AFTER_S + held,
      });
    }
    for (let i = 0; i < (perDay.linus[day] as number); i++) {
      const held = 2 + (i % 2);
      out.push({
        day,
        auto: false,
        churn: i % 6 === 0,
        reviewer: "linus",
        verdict: "approve",
        heldS: held,
        outcome: i % 4 === 0 ? "incorrect" : undefined,
        resolutionS: CLAIM_AFTER_S + held,
      });
    }
  }
  return out;
}
