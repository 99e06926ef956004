import type { OversightAlert } from "../../types";
import { rate, seconds } from "./figures";

/**
 * An alert's evidence in sentences an owner reads ("approves 99 % vs peers' 71 %"). The evidence is an
 * object of numbers (docs/oversight.md); the figures this file knows become phrases, and any other
 * number is still shown, by its name, so nothing the detector measured is hidden. A comparison with the
 * reviewer's own past is only said when it changed: "100 % earlier, 100 % recently" is noise.
 */

type Numbers = Map<string, number>;

/** The numbers at the top level and one level down (a nested finding), first name wins. */
function numbersOf(evidence: Record<string, unknown>, skip: Set<string>): Numbers {
  const out: Numbers = new Map();
  for (const [k, v] of Object.entries(evidence)) {
    if (skip.has(k)) continue;
    if (typeof v === "number" && Number.isFinite(v)) out.set(k, v);
    else if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (typeof v2 === "number" && Number.isFinite(v2) && !out.has(k2)) out.set(k2, v2);
      }
    }
  }
  return out;
}

type Window = Record<string, unknown>;
const isWindow = (v: unknown): v is Window => !!v && typeof v === "object" && !Array.isArray(v);
const numberIn = (w: Window, k: string): number | null =>
  typeof w[k] === "number" ? (w[k] as number) : null;

/** The error-trend alert compares two windows: `previous` and `recent`, each with its own figures. */
function windowPhrases(previous: Window, recent: Window): string[] {
  const out: string[] = [];
  const ap = numberIn(previous, "approvalRate");
  const ar = numberIn(recent, "approvalRate");
  if (ap !== null && ar !== null) out.push(`approval rate ${rate(ap)} before, ${rate(ar)} now`);
  const ep = numberIn(previous, "errorRate");
  const er = numberIn(recent, "errorRate");
  const count = (w: Window) => {
    const i = numberIn(w, "incorrect");
    const r = numberIn(w, "reported");
    return i !== null && r !== null ? ` (${i} of ${r})` : "";
  };
  if (ep !== null && er !== null) {
    out.push(`errors after review rose from ${rate(ep)}${count(previous)} to ${rate(er)}${count(recent)}`);
  }
  return out;
}

const ms = (x: number) => seconds(x / 1000);

/** "peerApprovalRate" → "peer approval rate". */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
}

function plain(key: string, value: number): string {
  if (/rate$|share$/i.test(key) && value >= 0 && value <= 1) return `${words(key)}: ${rate(value)}`;
  if (/ms$/i.test(key)) return `${words(key.replace(/ms$/i, ""))}: ${ms(value)}`;
  if (/seconds$/i.test(key)) return `${words(key.replace(/seconds$/i, ""))}: ${seconds(value)}`;
  if (/^(p|minP)value$|threshold$/i.test(key)) return `${words(key)}: ${value.toPrecision(2)}`;
  return `${words(key)}: ${Number.isInteger(value) ? value : value.toFixed(3)}`;
}

const p2 = (x: number) => x.toPrecision(2);

/**
 * Phrases in the order an owner reads them. A rule applies when all its figures are present and then
 * uses them up, so a figure is said once; the first rule of a group that applies wins.
 */
const RULES: Array<{ keys: string[]; say: (...v: number[]) => string | null }> = [
  { keys: ["approvalRate", "peerApprovalRate"], say: (a, p) => `approves ${rate(a)} vs peers' ${rate(p)}` },
  { keys: ["approvalRate"], say: (a) => `approves ${rate(a)}` },
  { keys: ["medianHeldMs", "peerMedianHeldMs"], say: (a, p) => `median ${ms(a)} vs ${ms(p)}` },
  { keys: ["medianHeldMs"], say: (a) => `median ${ms(a)} per case` },
  {
    keys: ["catchTrialMisses", "catchTrials", "peerCatchTrialMisses", "peerCatchTrials"],
    say: (m, t, pm, pt) =>
      t > 0 ? `missed ${m} of ${t} catch trials${pt > 0 ? ` (peers ${pm} of ${pt})` : ""}` : null,
  },
  {
    keys: ["catchTrialMisses", "catchTrials"],
    say: (m, t) => (t > 0 ? `missed ${m} of ${t} catch trials` : null),
  },
  { keys: ["longestFastApprovalStreak"], say: (n) => (n > 1 ? `${n} fast approvals in a row` : null) },
  {
    keys: ["earlierApprovalRate", "recentApprovalRate"],
    say: (e, r) => (rate(e) === rate(r) ? null : `approval rate ${rate(e)} earlier, ${rate(r)} recently`),
  },
  {
    keys: ["earlierMedianHeldMs", "recentMedianHeldMs"],
    say: (e, r) => (ms(e) === ms(r) ? null : `median ${ms(e)} earlier, ${ms(r)} recently`),
  },
  { keys: ["decisions", "peerDecisions"], say: (n, p) => `over ${n} decisions (peers ${p})` },
  { keys: ["decisions"], say: (n) => `over ${n} decisions` },
  { keys: ["minPValue", "threshold"], say: (p, t) => `p = ${p2(p)} against a threshold of ${p2(t)}` },
  { keys: ["pValue"], say: (p) => `p = ${p2(p)}` },
];

/** The headline phrases, then the remaining figures by name. */
export function describeEvidence(alert: Pick<OversightAlert, "evidence">): {
  phrases: string[];
  details: string[];
} {
  const evidence = alert.evidence ?? {};
  const { previous, recent } = evidence;
  const windows = isWindow(previous) && isWindow(recent);
  const n = numbersOf(evidence, new Set(windows ? ["previous", "recent"] : []));
  const phrases: string[] = windows ? windowPhrases(previous, recent) : [];
  for (const rule of RULES) {
    if (!rule.keys.every((k) => n.has(k))) continue;
    const values = rule.keys.map((k) => n.get(k) as number);
    for (const k of rule.keys) n.delete(k);
    const phrase = rule.say(...values);
    if (phrase) phrases.push(phrase);
  }
  return { phrases, details: [...n].map(([k, x]) => plain(k, x)) };
}

export const ALERT_TITLES: Record<string, string> = {
  rubber_stamp: "Possible rubber-stamping",
  team_rubber_stamp: "The whole team may be rubber-stamping",
  approval_high_errors_rising: "Approvals stay high while errors rise",
  queue_overload: "The queue cannot be cleared within its SLA at the team's pace",
};
