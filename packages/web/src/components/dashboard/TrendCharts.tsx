import {
  CartesianGrid,
  type DotItemDotProps,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { GovernanceGroup } from "../../types";
import { dayLabel, rate, seconds } from "./figures";

/** Per-day trends: escalation and override rate together, and the p90 resolution time. */

const ESCALATION = "#1f5fbf";
const OVERRIDE = "#b3261e";
const RESOLUTION = "#1e7a3c";

/** Marker shapes differ per series (circle, square), so the lines are told apart without colour. */
function marker(series: string, shape: "circle" | "square", colour: string) {
  return (p: DotItemDotProps) => {
    const key = `${series}-${p.index}`;
    if (p.cx === undefined || p.cy === undefined || p.value === null || p.value === undefined) {
      return <g key={key} />;
    }
    const cx = Number(p.cx);
    const cy = Number(p.cy);
    return shape === "circle" ? (
      <circle key={key} data-series={series} cx={cx} cy={cy} r={4} fill={colour} />
    ) : (
      <rect key={key} data-series={series} x={cx - 4} y={cy - 4} width={8} height={8} fill={colour} />
    );
  };
}

/** Charts stay still when the person asked for less motion (and in the screenshots). */
export const animate = () =>
  typeof window === "undefined" || !window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function NumbersTable(props: { caption: string; head: string[]; rows: string[][] }) {
  return (
    <details className="numbers">
      <summary>The numbers</summary>
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r[0]}>
              <th scope="row">{r[0]}</th>
              {r.slice(1).map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: fixed columns
                <td key={i}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function TrendCharts({ days }: { days: GovernanceGroup[] }) {
  const data = days.map((d) => ({
    day: d.key,
    escalation: d.escalationRate,
    override: d.overrideRate,
    p90: d.resolutionSeconds.p90,
  }));
  const moving = animate();
  const empty = data.length === 0;
  const rateTitle = "Escalation and override rate per day";
  const timeTitle = "Resolution time per day (90th percentile)";
  return (
    <div className="charts">
      <figure className="panel chart" aria-labelledby="trend-rates-title">
        <figcaption>
          <h2 id="trend-rates-title">{rateTitle}</h2>
          <p className="muted small">
            ● escalation: cases sent to a person · ■ override: decisions edited, rejected or overridden
          </p>
        </figcaption>
        {empty ? (
          <p className="muted">No cases in this window.</p>
        ) : (
          <>
            <LineChart
              responsive
              style={{ width: "100%", height: 220 }}
              data={data}
              margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
              title={rateTitle}
              desc={`One point per day with activity, ${data.length} in all`}
            >
              <CartesianGrid stroke="#e4e7ec" vertical={false} />
              <XAxis dataKey="day" tickFormatter={dayLabel} tick={{ fontSize: 12 }} />
              <YAxis
                domain={[0, 1]}
                tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
                width={44}
                tick={{ fontSize: 12 }}
              />
              <Tooltip
                labelFormatter={(l) => dayLabel(String(l))}
                formatter={(v) => rate(typeof v === "number" ? v : null)}
              />
              <Legend />
              <Line
                name="Escalation rate"
                dataKey="escalation"
                stroke={ESCALATION}
                strokeWidth={2}
                dot={marker("escalation", "circle", ESCALATION)}
                isAnimationActive={moving}
                connectNulls
              />
              <Line
                name="Override rate"
                dataKey="override"
                stroke={OVERRIDE}
                strokeWidth={2}
                strokeDasharray="6 3"
                dot={marker("override", "square", OVERRIDE)}
                isAnimationActive={moving}
                connectNulls
              />
            </LineChart>
            <NumbersTable
              caption={rateTitle}
              head={["Day", "Escalation rate", "Override rate"]}
              rows={data.map((d) => [dayLabel(d.day), rate(d.escalation), rate(d.override)])}
            />
          </>
        )}
      </figure>
      <figure className="panel chart" aria-labelledby="trend-time-title">
        <figcaption>
          <h2 id="trend-time-title">{timeTitle}</h2>
          <p className="muted small">● 9 in 10 cases decided within this time of being submitted</p>
        </figcaption>
        {empty ? (
          <p className="muted">No cases in this window.</p>
        ) : (
          <>
            <LineChart
              responsive
              style={{ width: "100%", height: 220 }}
              data={data}
              margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
              title={timeTitle}
              desc={`One point per day with activity, ${data.length} in all`}
            >
              <CartesianGrid stroke="#e4e7ec" vertical={false} />
              <XAxis dataKey="day" tickFormatter={dayLabel} tick={{ fontSize: 12 }} />
              <YAxis tickFormatter={(v: number) => seconds(v)} width={52} tick={{ fontSize: 12 }} />
              <Tooltip
                labelFormatter={(l) => dayLabel(String(l))}
                formatter={(v) => seconds(typeof v === "number" ? v : null)}
              />
              <Line
                name="p90 resolution"
                dataKey="p90"
                stroke={RESOLUTION}
                strokeWidth={2}
                dot={marker("p90", "circle", RESOLUTION)}
                isAnimationActive={moving}
                connectNulls
              />
            </LineChart>
            <NumbersTable
              caption={timeTitle}
              head={["Day", "p90 resolution"]}
              rows={data.map((d) => [dayLabel(d.day), seconds(d.p90)])}
            />
          </>
        )}
      </figure>
    </div>
  );
}
