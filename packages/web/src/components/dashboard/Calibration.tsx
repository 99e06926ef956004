import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { ApiError, api, errorMessage } from "../../api";
import type { ThresholdsReport } from "../../types";
import { rate } from "./figures";
import { animate, NumbersTable } from "./TrendCharts";

/**
 * Threshold calibration for one workflow (`GET /v1/thresholds`, docs/thresholds.md): per risk class, the
 * reliability curve (stated confidence vs how often the model was right) and, at every threshold, the
 * share that would route alone and the upper bound on its error rate, with the current and the
 * recommended threshold marked. What an owner reads before changing `autoMinConfidence`.
 */

const ACCURACY = "#1f5fbf";
const IDEAL = "#8a94a6";
const AUTO = "#1e7a3c";
const BOUND = "#b3261e";
const MAX_ERRORS = [0.005, 0.01, 0.02, 0.05, 0.1] as const;

type State =
  | { state: "loading" }
  | { state: "ready"; report: ThresholdsReport }
  | { state: "forbidden" }
  | { state: "error"; message: string };

const threshold = (t: number | null) => (t === null ? "never alone" : t.toFixed(2));

function Advice({ cls }: { cls: ThresholdsReport["classes"][number] }) {
  const { recommendation: rec, change } = cls;
  if (rec.threshold === null) return <p className="small">No recommendation: {rec.reason}</p>;
  const verb =
    cls.currentThreshold === null
      ? "auto-route from"
      : rec.threshold > cls.currentThreshold
        ? "raise the threshold to"
        : rec.threshold < cls.currentThreshold
          ? "lower the threshold to"
          : "keep the threshold at";
  return (
    <p className="small" data-testid={`advice-${cls.riskClass}`}>
      <strong>
        {verb} {threshold(rec.threshold)}
      </strong>{" "}
      (now {threshold(cls.currentThreshold)}): {rate(change.recommended?.autoRate)} of cases would route
      alone, with errors at most {rate(change.recommended?.errorUpperBound)} at {Math.round(100 * 0.95)} %
      confidence (now {rate(change.current?.autoRate)} alone, error bound{" "}
      {rate(change.current?.errorUpperBound)}).
    </p>
  );
}

function ClassCharts({ cls, maxError }: { cls: ThresholdsReport["classes"][number]; maxError: number }) {
  const moving = animate();
  const bins = cls.reliability.bins.filter((b) => b.count > 0);
  const reliability = bins.map((b) => ({
    confidence: b.meanConfidence as number,
    accuracy: b.accuracy,
    ideal: b.meanConfidence,
  }));
  const sweep = cls.table.map((r) => ({
    threshold: r.threshold,
    auto: r.autoRate,
    bound: r.errorUpperBound,
  }));
  const relTitle = `Reliability of class ${cls.riskClass}: confidence vs how often the model was right`;
  const sweepTitle = `Class ${cls.riskClass}: share routed alone and error bound at each threshold`;
  return (
    <div className="charts">
      <figure className="panel chart" aria-labelledby={`rel-${cls.riskClass}`}>
        <figcaption>
          <h3 id={`rel-${cls.riskClass}`}>{relTitle}</h3>
          <p className="muted small">
            ● observed accuracy per confidence bin · dashed: perfectly calibrated · {cls.items} cases (
            {cls.reviewed} reviewed)
          </p>
        </figcaption>
        {reliability.length === 0 ? (
          <p className="muted">No reviewed cases in this window.</p>
        ) : (
          <>
            <LineChart
              responsive
              style={{ width: "100%", height: 220 }}
              data={reliability}
              margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
              title={relTitle}
              desc={`${reliability.length} confidence bins with cases`}
            >
              <CartesianGrid stroke="#e4e7ec" />
              <XAxis
                dataKey="confidence"
                type="number"
                domain={[0, 1]}
                tickFormatter={(v: number) => v.toFixed(1)}
                tick={{ fontSize: 12 }}
              />
              <YAxis
                domain={[0, 1]}
                tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
                width={44}
                tick={{ fontSize: 12 }}
              />
              <Tooltip formatter={(v) => rate(typeof v === "number" ? v : null)} />
              <Line
                name="Perfect calibration"
                dataKey="ideal"
                stroke={IDEAL}
                strokeDasharray="4 4"
                dot={false}
                isAnimationActive={moving}
              />
              <Line
                name="Observed accuracy"
                dataKey="accuracy"
                stroke={ACCURACY}
                strokeWidth={2}
                isAnimationActive={moving}
              />
            </LineChart>
            <NumbersTable
              caption={relTitle}
              head={["Confidence", "Cases", "Mean confidence", "Right", "95 % interval"]}
              rows={bins.map((b) => [
                `${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`,
                String(b.count),
                rate(b.meanConfidence),
                rate(b.accuracy),
                b.interval ? `${rate(b.interval[0])} – ${rate(b.interval[1])}` : "—",
              ])}
            />
          </>
        )}
      </figure>
      <figure className="panel chart" aria-labelledby={`sweep-${cls.riskClass}`}>
        <figcaption>
          <h3 id={`sweep-${cls.riskClass}`}>{sweepTitle}</h3>
          <p className="muted small">
            solid: routed alone · dashed: error upper bound · line at {rate(maxError)} tolerated
          </p>
        </figcaption>
        <LineChart
          responsive
          style={{ width: "100%", height: 220 }}
          data={sweep}
          margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
          title={sweepTitle}
          desc={`Thresholds from ${sweep[0]?.threshold ?? 0} to ${sweep.at(-1)?.threshold ?? 1}`}
        >
          <CartesianGrid stroke="#e4e7ec" />
          <XAxis dataKey="threshold" type="number" domain={[0.5, 1]} tick={{ fontSize: 12 }} />
          <YAxis
            domain={[0, 1]}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
            width={44}
            tick={{ fontSize: 12 }}
          />
          <Tooltip formatter={(v) => rate(typeof v === "number" ? v : null)} />
          <Legend />
          <ReferenceLine y={maxError} stroke={BOUND} strokeDasharray="2 2" />
          {cls.currentThreshold !== null && (
            <ReferenceLine x={cls.currentThreshold} stroke={IDEAL} label={{ value: "now", fontSize: 12 }} />
          )}
          {cls.recommendation.threshold !== null && (
            <ReferenceLine
              x={cls.recommendation.threshold}
              stroke={AUTO}
              label={{ value: "recommended", fontSize: 12 }}
            />
          )}
          <Line
            name="Routed alone"
            dataKey="auto"
            stroke={AUTO}
            strokeWidth={2}
            dot={false}
            isAnimationActive={moving}
          />
          <Line
            name="Error upper bound"
            dataKey="bound"
            stroke={BOUND}
            strokeWidth={2}
            strokeDasharray="6 3"
            dot={false}
            isAnimationActive={moving}
          />
        </LineChart>
      </figure>
    </div>
  );
}

export function CalibrationPanel({ workflow }: { workflow: string }) {
  const [maxError, setMaxError] = useState<number>(0.01);
  const [s, setS] = useState<State>({ state: "loading" });
  useEffect(() => {
    let live = true;
    setS({ state: "loading" });
    api.thresholds(workflow, maxError).then(
      (res) => live && setS({ state: "ready", report: res.data }),
      (err) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 403) setS({ state: "forbidden" });
        else setS({ state: "error", message: errorMessage(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [workflow, maxError]);
  return (
    <section className="panel calibration" aria-labelledby="calibration-title">
      <div className="dash-head">
        <h2 id="calibration-title">Thresholds: how far to trust the model</h2>
        <label className="small">
          Tolerated error{" "}
          <select value={maxError} onChange={(e) => setMaxError(Number(e.target.value))}>
            {MAX_ERRORS.map((m) => (
              <option key={m} value={m}>
                {rate(m)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {s.state === "loading" && <p className="muted">Loading the calibration…</p>}
      {s.state === "forbidden" && (
        <p className="muted">Only the workflow's owner, admins and auditors see calibration.</p>
      )}
      {s.state === "error" && <p className="error">The calibration could not be loaded: {s.message}</p>}
      {s.state === "ready" && (
        <>
          {s.report.classes.map((cls) => (
            <div key={cls.riskClass} className="calibration-class">
              <Advice cls={cls} />
              <ClassCharts cls={cls} maxError={s.report.maxError} />
            </div>
          ))}
          <p className="muted small">{s.report.selectionBias}</p>
        </>
      )}
    </section>
  );
}
