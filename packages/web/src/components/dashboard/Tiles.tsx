import type { ReactNode } from "react";
import type { GovernanceFigures } from "../../types";
import { agreement, NONE, rate, seconds } from "./figures";

function Tile(props: { title: string; value: string; children?: ReactNode; testId: string }) {
  return (
    <div className="tile" data-testid={props.testId}>
      <dt>{props.title}</dt>
      <dd>
        <span className="tile-value">{props.value}</span>
        {props.children && <span className="tile-note">{props.children}</span>}
      </dd>
    </div>
  );
}

function errorNote(c: { incorrect: number; reported: number }): string {
  return c.reported > 0 ? `${c.incorrect} of ${c.reported}` : "no outcomes yet";
}

/** The window's headline figures, each with what it is made of. */
export function Tiles({ figures: f }: { figures: GovernanceFigures }) {
  const c = f.consistency;
  return (
    <dl className="tiles">
      <Tile title="Cases" value={String(f.cases)} testId="tile-cases">
        {f.decisions} human decision{f.decisions === 1 ? "" : "s"}
      </Tile>
      <Tile title="Escalation rate" value={rate(f.escalationRate)} testId="tile-escalation">
        sent to a person
      </Tile>
      <Tile title="Override rate" value={rate(f.overrideRate)} testId="tile-override">
        edited, rejected or overridden
      </Tile>
      <Tile
        title="Resolution time"
        value={`${seconds(f.resolutionSeconds.p50)} / ${seconds(f.resolutionSeconds.p90)}`}
        testId="tile-resolution"
      >
        median / 90th percentile, submit to decision
      </Tile>
      <Tile
        title="Errors after review"
        value={`${rate(f.postReviewErrorRate.auto)} / ${rate(f.postReviewErrorRate.human)}`}
        testId="tile-errors"
      >
        auto ({errorNote(f.postReviewErrorCounts.auto)}) / human ({errorNote(f.postReviewErrorCounts.human)})
      </Tile>
      <Tile
        title="Reviewer agreement"
        value={c && c.items > 0 ? `κ ${agreement(c.cohenKappa ?? c.fleissKappa)}` : NONE}
        testId="tile-consistency"
      >
        {c && c.items > 0
          ? `Cohen κ ${agreement(c.cohenKappa)} · Fleiss κ ${agreement(c.fleissKappa)} · α ${agreement(c.krippendorffAlpha)} · ${c.items} item${c.items === 1 ? "" : "s"}`
          : "no overlapping reviews in this window"}
      </Tile>
    </dl>
  );
}
