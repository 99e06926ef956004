import { clopperPearsonUpper } from "../learning/binomial.js";
import type { CaseSubmission, Route, RouteExplanation } from "../types.js";
import { evaluatePolicy } from "./evaluate.js";
import type { Workflow } from "./workflow.js";

/**
 * Policy simulation and shadow mode (issue 6, item 6): how a draft policy would have routed real cases,
 * compared with the live one. Pure: the store streams the cases in, the CLI and the API print the report.
 */

/** Downstream evidence about a case: the latest reported outcome or audit verdict, when there is one. */
export type CaseEvidence = "correct" | "incorrect" | null;

/** A real case as it happened: what was submitted, how it was routed, and what people and outcomes said. */
export interface HistoricalCase {
  id: string;
  /** When it was submitted (epoch ms). */
  at: number;
  submission: CaseSubmission;
  /** The route and risk class the policy of the day gave it. */
  recorded: { route: Route; riskClass: string };
  /** The verdict of the human decision in force (latest not revoked); null when no person decided. */
  humanVerdict: string | null;
  /** Incorrect when any outcome or audit says so, else correct when one does, else null. */
  evidence: CaseEvidence;
}

/** Where one policy sent a case, or why it could not route it. */
export type Routing = { route: Route; riskClass: string } | { error: string };

/** One case seen under both policies: the unit of the comparison (simulated or recorded by shadow mode). */
export interface RoutedPair {
  id: string;
  at: number;
  live: Routing;
  draft: Routing;
  humanVerdict: string | null;
  evidence: CaseEvidence;
  /** A replayed case's route at the time, when it is known apart from `live`. */
  recorded?: { route: Route; riskClass: string };
}

/** What a case's record says about the model's proposal: wrong, right, or nothing either way. */
export type Correctness = "wrong" | "right" | "unknown";

/**
 * A proposal was wrong when a person did anything but approve it, or an outcome or audit said it was
 * incorrect; right when a person approved it (or, without a person, an outcome or audit said correct)
 * and nothing said otherwise. Label and rank verdicts count as "not approve": they replace the proposal.
 */
export function correctnessOf(c: Pick<RoutedPair, "humanVerdict" | "evidence">): Correctness {
  if (c.evidence === "incorrect") return "wrong";
  if (c.humanVerdict !== null) return c.humanVerdict === "approve" ? "right" : "wrong";
  return c.evidence === "correct" ? "right" : "unknown";
}

const REQUESTED = [
  /^the automation named risk class (\S+)$/,
  /^the automation asked for class (\S+), stricter/,
];

/**
 * The risk class the automation asked for, as far as the stored explanation tells (cases do not keep the
 * raw submission): evaluatePolicy writes a reason whenever it used the requested class. A request it
 * ignored (a classifier found a class at least as strict) is lost, and then was not binding anyway.
 */
export function requestedRiskClass(explanation: Pick<RouteExplanation, "reasons">): string | undefined {
  for (const reason of explanation.reasons) {
    for (const pattern of REQUESTED) {
      const m = pattern.exec(reason);
      if (m) return m[1];
    }
  }
  return undefined;
}

const EXPRESSION_FAILED = [
  / could not be evaluated \(/,
  /, which is not a risk class:/,
  /, not true or false:/,
];

/**
 * The reasons that say an expression of the policy failed on the case (evaluatePolicy keeps routing: a
 * failed trigger counts as fired, a failed classifier gives the strictest class), for shadow mode to
 * record without the other reasons, which name the model's confidence.
 */
export function expressionFailures(explanation: Pick<RouteExplanation, "reasons">): string[] {
  return explanation.reasons.filter((r) => EXPRESSION_FAILED.some((p) => p.test(r)));
}

function routeUnder(submission: CaseSubmission, workflow: Workflow): Routing {
  try {
    const { route, riskClass } = evaluatePolicy(submission, workflow);
    return { route, riskClass };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Routes one historical case under the live and the draft workflow. */
export function replayCase(c: HistoricalCase, live: Workflow, draft: Workflow): RoutedPair {
  return {
    id: c.id,
    at: c.at,
    live: routeUnder(c.submission, live),
    draft: routeUnder(c.submission, draft),
    humanVerdict: c.humanVerdict,
    evidence: c.evidence,
    recorded: c.recorded,
  };
}

const ROUTES: readonly Route[] = ["auto", "review", "human_only"];
/** How many case ids each cell of the report keeps as examples. */
const EXAMPLES = 5;
const DAY_MS = 86_400_000;

export interface RouteChange {
  from: Route;
  to: Route;
  count: number;
  /** Up to EXAMPLES case ids, earliest first. */
  examples: string[];
}

export interface ExpectedErrors {
  /** Cases the draft would auto-route that the live policy sends to a person. */
  newlyAuto: number;
  /** Of those, known wrong (a person did not approve, or an outcome or audit said incorrect). */
  wrong: number;
  right: number;
  /** No human verdict and no outcome or audit: counted apart, never guessed. */
  unknown: number;
  /** wrong / (wrong + right); null when neither is known. */
  rate: number | null;
  /** One-sided 95 % Clopper-Pearson upper bound of `rate` (Clopper & Pearson 1934); null like `rate`. */
  rateUpper95: number | null;
  /** Up to EXAMPLES ids of the known-wrong cases. */
  examples: string[];
}

export interface ReviewLoad {
  /** Cases routed to people (review or human_only). */
  cases: number;
  perDay: number;
}

export interface SimulationReport {
  since: number;
  until: number;
  /** Real cases compared. */
  cases: number;
  /** Cases routed by both policies whose route or risk class differs. */
  changed: number;
  /** Every (live route, draft route) pair seen, unchanged ones included, in ROUTES order. */
  routes: RouteChange[];
  /** Cases whose route is the same but whose risk class differs. */
  riskClassChanged: number;
  /**
   * Cases the live policy now routes differently from how they were routed at the time: the live policy
   * changed within the window. The comparison is with the live policy as it is now.
   */
  liveDiffersFromRecorded: number;
  reviewLoad: { live: ReviewLoad; draft: ReviewLoad };
  expectedErrors: ExpectedErrors;
  /** Cases a policy could not route at all (an action it does not know): counted, not compared. */
  unroutable: {
    live: number;
    draft: number;
    examples: Array<{ id: string; policy: "live" | "draft"; error: string }>;
  };
}

const isRouted = (r: Routing): r is { route: Route; riskClass: string } => !("error" in r);
const toPeople = (r: Routing) => isRouted(r) && r.route !== "auto";

/**
 * Adds up routed pairs one at a time, so millions of cases stream through in constant memory (only a
 * few example ids are kept per cell). `report()` may be called at any point.
 */
export class PolicyComparison {
  readonly #since: number;
  readonly #until: number;
  #cases = 0;
  #riskClassChanged = 0;
  #liveDrift = 0;
  readonly #cells = new Map<string, RouteChange>();
  #load = { live: 0, draft: 0 };
  #errors = { newlyAuto: 0, wrong: 0, right: 0, unknown: 0, examples: [] as string[] };
  #unroutable: SimulationReport["unroutable"] = { live: 0, draft: 0, examples: [] };

  /** The window [since, until) the cases come from (epoch ms): the denominator of the per-day load. */
  constructor(window: { since: number; until: number }) {
    if (!(window.since < window.until)) throw new RangeError("since must be before until");
    this.#since = window.since;
    this.#until = window.until;
  }

  add(pair: RoutedPair): void {
    this.#cases++;
    if (toPeople(pair.live)) this.#load.live++;
    if (toPeople(pair.draft)) this.#load.draft++;
    for (const policy of ["live", "draft"] as const) {
      const r = pair[policy];
      if (isRouted(r)) continue;
      this.#unroutable[policy]++;
      if (this.#unroutable.examples.length < EXAMPLES) {
        this.#unroutable.examples.push({ id: pair.id, policy, error: r.error });
      }
    }
    const { live, draft, recorded } = pair;
    if (
      recorded &&
      isRouted(live) &&
      (recorded.route !== live.route || recorded.riskClass !== live.riskClass)
    ) {
      this.#liveDrift++;
    }
    if (!isRouted(live) || !isRouted(draft)) return;
    const key = `${live.route}>${draft.route}`;
    let cell = this.#cells.get(key);
    if (!cell) {
      cell = { from: live.route, to: draft.route, count: 0, examples: [] };
      this.#cells.set(key, cell);
    }
    cell.count++;
    if (cell.examples.length < EXAMPLES) cell.examples.push(pair.id);
    if (live.route === draft.route && live.riskClass !== draft.riskClass) this.#riskClassChanged++;
    if (live.route !== "auto" && draft.route === "auto") {
      const e = this.#errors;
      e.newlyAuto++;
      const verdict = correctnessOf(pair);
      e[verdict]++;
      if (verdict === "wrong" && e.examples.length < EXAMPLES) e.examples.push(pair.id);
    }
  }

  report(): SimulationReport {
    const days = (this.#until - this.#since) / DAY_MS;
    const routes = [...this.#cells.values()].sort(
      (a, b) =>
        ROUTES.indexOf(a.from) - ROUTES.indexOf(b.from) || ROUTES.indexOf(a.to) - ROUTES.indexOf(b.to),
    );
    const changed =
      routes.filter((c) => c.from !== c.to).reduce((n, c) => n + c.count, 0) + this.#riskClassChanged;
    const { wrong, right } = this.#errors;
    const known = wrong + right;
    return {
      since: this.#since,
      until: this.#until,
      cases: this.#cases,
      changed,
      routes: routes.map((c) => ({ ...c, examples: [...c.examples] })),
      riskClassChanged: this.#riskClassChanged,
      liveDiffersFromRecorded: this.#liveDrift,
      reviewLoad: {
        live: { cases: this.#load.live, perDay: this.#load.live / days },
        draft: { cases: this.#load.draft, perDay: this.#load.draft / days },
      },
      expectedErrors: {
        ...this.#errors,
        examples: [...this.#errors.examples],
        rate: known === 0 ? null : wrong / known,
        rateUpper95: known === 0 ? null : clopperPearsonUpper(wrong, known, 0.95),
      },
      unroutable: { ...this.#unroutable, examples: [...this.#unroutable.examples] },
    };
  }
}

/**
 * Replays historical cases under a draft workflow and compares with the live one. An unchanged draft
 * reports `changed: 0` and no expected errors.
 *
 * @example
 * const report = simulatePolicy(cases, { live, draft, since, until });
 * report.expectedErrors.wrong; // known-wrong cases the draft would let through alone
 */
export function simulatePolicy(
  cases: Iterable<HistoricalCase>,
  opts: { live: Workflow; draft: Workflow; since: number; until: number },
): SimulationReport {
  const comparison = new PolicyComparison(opts);
  for (const c of cases) comparison.add(replayCase(c, opts.live, opts.draft));
  return comparison.report();
}
