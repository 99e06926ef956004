import { count, duration, humanize, percent, small, utcTime } from "./format.js";

/**
 * An alert's evidence as sentences an owner can read. The rubber-stamp detector's fields
 * (`RubberStampEvidence` in packages/core/src/oversight/rubber-stamp.ts) get sentences of their own;
 * any other field is listed by name, with shares as percentages and `…Ms` fields as durations, so a
 * new kind of alert still shows everything it measured. Plain text: the caller escapes it.
 */
export function evidenceSentences(evidence: unknown): string[] {
  if (evidence === null || evidence === undefined) return [];
  if (typeof evidence !== "object" || Array.isArray(evidence)) return [plain(evidence)];
  const e = { ...(evidence as Record<string, unknown>) };
  const out: string[] = [];
  const take = (...keys: string[]) => {
    const values = keys.map((k) => e[k]);
    for (const k of keys) delete e[k];
    return values;
  };
  const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

  if (num(e.decisions) && num(e.approvalRate)) {
    const [decisions, rate, peerDecisions, peerRate] = take(
      "decisions",
      "approvalRate",
      "peerDecisions",
      "peerApprovalRate",
    );
    const peers =
      num(peerRate) && num(peerDecisions) ? ` (peers: ${percent(peerRate)} of ${count(peerDecisions)})` : "";
    out.push(`Approved ${percent(rate as number)} of ${count(decisions as number)} decisions${peers}.`);
  }
  if ("medianHeldMs" in e) {
    const [own, peers] = take("medianHeldMs", "peerMedianHeldMs");
    if (num(own)) {
      const vs = num(peers) ? ` (peers: ${duration(peers / 1000)})` : "";
      out.push(`Median time holding a case: ${duration(own / 1000)}${vs}.`);
    }
  }
  if (num(e.longestFastApprovalStreak)) {
    const [streak, share] = take("longestFastApprovalStreak", "fastApprovalShare");
    const of = num(share) ? `; fast approvals are ${percent(share)} of their decisions` : "";
    out.push(`Longest run of fast approvals: ${count(streak as number)} in a row${of}.`);
  }
  if (num(e.catchTrials)) {
    const [trials, misses, peerTrials, peerMisses] = take(
      "catchTrials",
      "catchTrialMisses",
      "peerCatchTrials",
      "peerCatchTrialMisses",
    );
    if ((trials as number) > 0) {
      const peers =
        num(peerTrials) && num(peerMisses) && peerTrials > 0
          ? ` (peers: ${count(peerMisses)} of ${count(peerTrials)})`
          : "";
      out.push(
        `Missed ${count(num(misses) ? misses : 0)} of ${count(trials as number)} catch trials${peers}.`,
      );
    }
  }
  // The absolute checks (core absolute-checks.ts): against the policy's tolerance, not against peers.
  if (num(e.maxMissRate)) {
    const [max, missRate, checked, approved] = take(
      "maxMissRate",
      "catchTrialMissRate",
      "knownWrongChecked",
      "knownWrongApproved",
      "knownWrongApprovalRate",
    );
    const tolerated = `tolerated ${percent(max as number)}`;
    if (num(missRate)) out.push(`Catch-trial miss rate ${percent(missRate)} (${tolerated}).`);
    if (num(checked) && checked > 0) {
      out.push(
        `Failed ${count(num(approved) ? approved : 0)} of ${count(checked)} checks for approved wrong work (wrong catch-trial proposals approved, audited approvals judged incorrect; ${tolerated}).`,
      );
    }
  }
  if ("dwellFloorMs" in e) {
    const [floor, below, share] = take("dwellFloorMs", "decisionsBelowFloor", "belowFloorShare");
    if (num(floor) && num(below) && num(share)) {
      out.push(
        `${count(below)} decisions (${percent(share)}) held less than the ${duration(floor / 1000)} floor (the minimum review time plus 5 s).`,
      );
    }
  }
  if (Array.isArray(e.basis)) {
    const [basis] = take("basis");
    if ((basis as unknown[]).length > 0) out.push(`Flagged on ${(basis as string[]).join(" and ")} signals.`);
  }
  if ("earlierApprovalRate" in e) {
    const [earlier, recent] = take("earlierApprovalRate", "recentApprovalRate");
    if (num(earlier) && num(recent)) {
      out.push(
        `Approval rate went from ${percent(earlier)} (earlier half) to ${percent(recent)} (recent half).`,
      );
    }
  }
  if ("earlierMedianHeldMs" in e) {
    const [earlier, recent] = take("earlierMedianHeldMs", "recentMedianHeldMs");
    if (num(earlier) && num(recent)) {
      out.push(
        `Median time holding a case went from ${duration(earlier / 1000)} (earlier half) to ${duration(recent / 1000)} (recent half).`,
      );
    }
  }
  if (num(e.signalsTested) && num(e.threshold)) {
    const [tested, threshold, minP] = take("signalsTested", "threshold", "minPValue");
    const p = num(minP) ? `smallest p-value ${small(minP)}, ` : "";
    out.push(
      `${count(tested as number)} signals tested: ${p}threshold ${small(threshold as number)} per signal.`,
    );
  }
  if (Array.isArray(e.signals)) {
    const [signals] = take("signals");
    const hits = (signals as unknown[])
      .map((s) => s as Record<string, unknown>)
      .filter((s) => s.significant === true && typeof s.kind === "string");
    if (hits.length > 0) {
      out.push(
        `Signals past the threshold: ${hits
          .map(
            (s) =>
              `${humanize(s.kind as string).toLowerCase()}${num(s.pValue) ? ` (p = ${small(s.pValue)})` : ""}`,
          )
          .join(", ")}.`,
      );
    }
  }
  // approval_high_errors_rising: two windows of equal length, compared.
  for (const [key, label] of [
    ["previous", "Previous window"],
    ["recent", "Recent window"],
  ] as const) {
    const w = e[key];
    if (w && typeof w === "object" && "humanDecisions" in w) {
      take(key);
      out.push(errorWindowSentence(label, w as Record<string, unknown>));
    }
  }
  if (num(e.approvalThreshold) && num(e.alpha)) {
    const [p, threshold, alpha, minReported] = take("pValue", "approvalThreshold", "alpha", "minReported");
    const pText = num(p) ? `p = ${small(p)}` : "p not computed";
    const min = num(minReported) ? `, at least ${count(minReported)} results in each window` : "";
    out.push(
      `Error rate rise tested one-sided (Fisher's exact test): ${pText} against alpha ${small(alpha as number)}; ` +
        `raised when approval stays at or above ${percent(threshold as number)}${min}.`,
    );
  }
  if (isWindow(e.window)) {
    const [w] = take("window");
    const { since, until } = w as { since: string; until: string };
    out.push(`Measured over ${when(since)} – ${when(until)}.`);
  }
  for (const [key, value] of Object.entries(e)) {
    if (value === undefined || value === null) continue;
    // "windowMs: 86400000" reads "Window: 24 h": the unit is in the value.
    const label = typeof value === "number" && /Ms$/.test(key) ? key.slice(0, -2) : key;
    out.push(`${humanize(label)}: ${fieldValue(key, value)}.`);
  }
  return out;
}

function fieldValue(key: string, value: unknown): string {
  if (typeof value === "number" && Number.isFinite(value)) {
    if (/(Rate|Share)(?![a-z])/.test(key) && value >= 0 && value <= 1) return percent(value);
    if (/Ms(?![a-z])/.test(key)) return duration(value / 1000);
    if (/^p(Value)?$|PValue$/.test(key)) return small(value);
    return Number.isInteger(value) ? count(value) : small(value);
  }
  return plain(value);
}

function plain(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isWindow(v: unknown): v is { since: string | number; until: string | number } {
  if (!v || typeof v !== "object") return false;
  const w = v as Record<string, unknown>;
  return (
    (typeof w.since === "string" || typeof w.since === "number") &&
    (typeof w.until === "string" || typeof w.until === "number")
  );
}

/** An ISO string or epoch ms as "2026-11-02 09:00 UTC"; anything unreadable as it came. */
function when(v: string | number): string {
  const ms = typeof v === "number" ? v : Date.parse(v);
  return Number.isNaN(ms) ? String(v) : utcTime(ms);
}

function errorWindowSentence(label: string, w: Record<string, unknown>): string {
  const n = (k: string) => (typeof w[k] === "number" ? (w[k] as number) : 0);
  const span = isWindow(w) ? ` (${when(w.since)} – ${when(w.until)})` : "";
  const approvals = `approved ${percent(w.approvalRate as number | null)} of ${count(n("humanDecisions"))} human decisions`;
  const errors =
    n("reported") === 0
      ? "no results reported"
      : `${count(n("incorrect"))} of ${count(n("reported"))} reported results incorrect (${percent(w.errorRate as number | null)})`;
  return `${label}${span}: ${approvals}; ${errors}.`;
}
