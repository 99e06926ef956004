import { Bar, BarChart, Cell, LabelList, Tooltip, XAxis, YAxis } from "recharts";
import { words } from "../../format";
import type { ExceptionPattern } from "../../types";
import { rate } from "./figures";

const KIND = { reasonCode: "reason", trigger: "trigger" } as const;
const COLOUR = { reasonCode: "#8a5a00", trigger: "#1f5fbf" } as const;

/** The most frequent reason codes and escalation triggers, as bars labelled with their kind and count. */
export function ExceptionBars({ patterns }: { patterns: ExceptionPattern[] }) {
  const top = [...patterns].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)).slice(0, 8);
  const data = top.map((p) => ({
    label: `${KIND[p.kind] ?? p.kind}: ${words(p.name)}`,
    count: p.count,
    share: p.share,
    fill: COLOUR[p.kind] ?? "#5a6272",
  }));
  const title = "Top exception patterns";
  return (
    <figure className="panel chart" aria-labelledby="exceptions-title">
      <figcaption>
        <h2 id="exceptions-title">{title}</h2>
        <p className="muted small">
          Reasons people gave for not approving as proposed, and the triggers that sent cases to them
        </p>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted">No exceptions in this window.</p>
      ) : (
        <>
          <BarChart
            responsive
            layout="vertical"
            style={{ width: "100%", height: Math.max(120, 34 * data.length + 20) }}
            data={data}
            margin={{ top: 4, right: 40, bottom: 4, left: 4 }}
            title={title}
            desc={data.map((d) => `${d.label}, ${d.count}`).join("; ")}
          >
            <XAxis type="number" allowDecimals={false} hide />
            <YAxis type="category" dataKey="label" width={170} tick={{ fontSize: 12 }} interval={0} />
            <Tooltip formatter={(v) => String(v)} />
            <Bar dataKey="count" name="Count" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.label} fill={d.fill} />
              ))}
              <LabelList dataKey="count" position="right" style={{ fontSize: 12, fill: "#1c2230" }} />
            </Bar>
          </BarChart>
          <ul className="sr-only">
            {top.map((p) => (
              <li key={`${p.kind}:${p.name}`}>
                {KIND[p.kind] ?? p.kind} {words(p.name)}: {p.count} ({rate(p.share)})
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}
