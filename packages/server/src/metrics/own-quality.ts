import type { Store } from "../store/index.js";
import { governanceReport, reviewerName } from "./governance.js";

/**
 * A reviewer's own quality (issue 15, item 3): their catch-trial pass rate, audit verdicts and
 * post-review errors over a window, beside their team's (the workflows asked for, everyone together),
 * from the figures the oversight and governance code keeps per reviewer. Never another reviewer's:
 * the caller's person is the only one named, and a team figure is withheld while fewer than
 * `MIN_OTHERS` other people stand behind it, since the team's figure minus one's own would then be one
 * colleague's.
 */

/** Other people a team figure must include before it is shown. */
const MIN_OTHERS = 2;

interface Counts {
  decisions: number;
  trials: number;
  trialsPassed: number;
  audited: number;
  auditedIncorrect: number;
  reported: number;
  reportedIncorrect: number;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

function figures(c: Counts) {
  return {
    decisions: c.decisions,
    catchTrials: { trials: c.trials, passed: c.trialsPassed, passRate: rate(c.trialsPassed, c.trials) },
    audits: {
      audited: c.audited,
      correct: c.audited - c.auditedIncorrect,
      incorrect: c.auditedIncorrect,
      correctRate: rate(c.audited - c.auditedIncorrect, c.audited),
    },
    postReviewErrors: {
      reported: c.reported,
      incorrect: c.reportedIncorrect,
      rate: rate(c.reportedIncorrect, c.reported),
    },
  };
}

type Figures = ReturnType<typeof figures>;
type Section = keyof Figures;

export interface OwnQuality {
  workflow: string | null;
  since: string;
  until: string;
  you: Figures & { person: string; name: string | null };
  team: {
    /** People with a human decision in the window, you included. */
    people: number;
    decisions: Figures["decisions"] | null;
    catchTrials: Figures["catchTrials"] | null;
    audits: Figures["audits"] | null;
    postReviewErrors: Figures["postReviewErrors"] | null;
    /** The sections left null because fewer than MIN_OTHERS other people are behind them. */
    withheld: Section[];
  };
}

const empty = (): Counts => ({
  decisions: 0,
  trials: 0,
  trialsPassed: 0,
  audited: 0,
  auditedIncorrect: 0,
  reported: 0,
  reportedIncorrect: 0,
});

/** `person` is the caller's person (a user id, or a key of no one); every key of theirs counts as them. */
export async function ownQuality(
  store: Store,
  q: {
    person: string;
    workflow: string | null;
    workflows: string[] | undefined;
    since: number;
    until: number;
  },
): Promise<OwnQuality> {
  const window = { workflows: q.workflows, since: q.since, until: q.until };
  const [governance, trials, audits] = await Promise.all([
    governanceReport(store, { workflow: q.workflow, ...window, groupBy: "reviewer" }),
    store.oversight.catchTrialResults(window),
    store.oversight.auditedDecisions(window),
  ]);
  const groups = governance.groups ?? [];
  const ids = [
    ...new Set([
      ...groups.map((g) => g.key),
      ...trials.map((t) => t.reviewer),
      ...audits.map((a) => a.reviewer),
    ]),
  ];
  const personOf = await store.identity.personsOf(ids);
  const who = (id: string) => personOf.get(id) ?? id;

  const you = empty();
  const team = empty();
  // Who stands behind each team section, to withhold those one colleague alone would reveal.
  const behind: Record<Section, Set<string>> = {
    decisions: new Set(),
    catchTrials: new Set(),
    audits: new Set(),
    postReviewErrors: new Set(),
  };
  const add = (id: string, section: Section, f: (c: Counts) => void) => {
    const person = who(id);
    f(team);
    behind[section].add(person);
    if (person === q.person) f(you);
  };
  for (const g of groups) {
    const errors = g.postReviewErrorCounts.human;
    if (g.decisions > 0) {
      add(g.key, "decisions", (c) => {
        c.decisions += g.decisions;
      });
    }
    if (errors.reported > 0) {
      add(g.key, "postReviewErrors", (c) => {
        c.reported += errors.reported;
        c.reportedIncorrect += errors.incorrect;
      });
    }
  }
  for (const t of trials) {
    add(t.reviewer, "catchTrials", (c) => {
      c.trials += 1;
      if (t.passed) c.trialsPassed += 1;
    });
  }
  for (const a of audits) {
    add(a.reviewer, "audits", (c) => {
      c.audited += 1;
      if (a.result === "incorrect") c.auditedIncorrect += 1;
    });
  }

  const all = figures(team);
  const withheld = (Object.keys(behind) as Section[]).filter(
    (s) => [...behind[s]].filter((p) => p !== q.person).length < MIN_OTHERS,
  );
  const shown = <S extends Section>(s: S): Figures[S] | null => (withheld.includes(s) ? null : all[s]);
  return {
    workflow: q.workflow,
    since: new Date(q.since).toISOString(),
    until: new Date(q.until).toISOString(),
    you: { person: q.person, name: await reviewerName(store, q.person), ...figures(you) },
    team: {
      people: behind.decisions.size,
      decisions: shown("decisions"),
      catchTrials: shown("catchTrials"),
      audits: shown("audits"),
      postReviewErrors: shown("postReviewErrors"),
      withheld,
    },
  };
}
