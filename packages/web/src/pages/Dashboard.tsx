import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, api, errorMessage } from "../api";
import { type Acknowledge, AlertsPanel, type AlertsState } from "../components/dashboard/AlertsPanel";
import { CalibrationPanel } from "../components/dashboard/Calibration";
import { ErosionPanel } from "../components/dashboard/ErosionPanel";
import { ExceptionBars } from "../components/dashboard/ExceptionBars";
import { Filters } from "../components/dashboard/Filters";
import { WINDOWS, type WindowDays, windowSince } from "../components/dashboard/figures";
import { PausesPanel } from "../components/dashboard/PausesPanel";
import { ReviewerTable } from "../components/dashboard/ReviewerTable";
import { Tiles } from "../components/dashboard/Tiles";
import { TrendCharts } from "../components/dashboard/TrendCharts";
import { time } from "../format";
import { dashboardWorkflows } from "../owners";
import type { GovernanceReport } from "../types";
import { useWorkspace } from "../workspace";

/** The filters live in the address, so a view can be bookmarked or sent to someone. */
function readFilters(): { workflow: string; days: WindowDays } {
  const q = new URLSearchParams(window.location.search);
  const days = Number(q.get("days"));
  return {
    workflow: q.get("workflow") ?? "",
    days: (WINDOWS as readonly number[]).includes(days) ? (days as WindowDays) : 7,
  };
}

function writeFilters(workflow: string, days: WindowDays): void {
  const q = new URLSearchParams();
  if (workflow) q.set("workflow", workflow);
  if (days !== 7) q.set("days", String(days));
  const search = q.toString();
  window.history.replaceState(null, "", `/dashboard${search ? `?${search}` : ""}`);
}

interface Loaded {
  byDay: GovernanceReport;
  byReviewer: GovernanceReport;
}

/**
 * Governance at a glance for an operations lead: headline figures, trends, reviewers, alerts. Admins and
 * auditors see every workflow in their scope; an owner of any role (the owner's inbox) sees the
 * workflows they own, one at a time, since per-reviewer figures are theirs only workflow by workflow.
 */
export function Dashboard() {
  const ws = useWorkspace();
  const staff = ws.user.role === "admin" || ws.user.role === "auditor";
  const [filters, setFilters] = useState(readFilters);
  const [pausesReload, setPausesReload] = useState(0);
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [alerts, setAlerts] = useState<AlertsState>({ state: "loading" });
  const heading = useRef<HTMLHeadingElement>(null);
  const workflows = useMemo(() => dashboardWorkflows(ws.user, ws.workflows), [ws.user, ws.workflows]);
  const { days } = filters;
  // An owner who is not staff always looks at one of their workflows (their first, unless the address names one).
  const workflow = staff || workflows.includes(filters.workflow) ? filters.workflow : (workflows[0] ?? "");

  useEffect(() => {
    document.title = "Dashboard · Loopgate";
    heading.current?.focus();
  }, []);

  const loadAlerts = useCallback(async () => {
    try {
      const res = await api.alerts(workflow || undefined);
      setAlerts({ state: "ready", alerts: res.data.alerts });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setAlerts({ state: "unavailable" });
      else if (err instanceof ApiError && err.status === 403) setAlerts({ state: "forbidden" });
      else setAlerts({ state: "error", message: errorMessage(err) });
    }
  }, [workflow]);

  const load = useCallback(async () => {
    setLoading(true);
    const q = { workflow: workflow || undefined, since: windowSince(days, Date.now()) };
    try {
      const [byDay, byReviewer] = await Promise.all([
        api.governance({ ...q, groupBy: "day" }),
        api.governance({ ...q, groupBy: "reviewer" }),
      ]);
      setData({ byDay: byDay.data, byReviewer: byReviewer.data });
      setError(null);
    } catch (err) {
      setError(`The figures could not be loaded: ${errorMessage(err)}`);
    } finally {
      setLoading(false);
    }
  }, [workflow, days]);

  useEffect(() => {
    writeFilters(workflow, days);
    void load();
    void loadAlerts();
  }, [workflow, days, load, loadAlerts]);

  const acknowledge = useCallback<Acknowledge>(
    async (id, body) => {
      await api.acknowledgeAlert(id, body);
      await loadAlerts();
      if (body.action === "paused_reviewer") setPausesReload((n) => n + 1);
    },
    [loadAlerts],
  );

  const alerted = useMemo(
    () =>
      new Set(
        alerts.state === "ready"
          ? alerts.alerts.filter((a) => !a.acknowledgedAt && a.reviewer).map((a) => a.reviewer as string)
          : [],
      ),
    [alerts],
  );

  const report = data?.byDay;
  return (
    <main id="main" className="dashboard" aria-busy={loading}>
      <div className="dash-head">
        <h1 ref={heading} tabIndex={-1}>
          Dashboard
        </h1>
        <Filters
          allowAll={staff}
          workflows={workflows}
          workflow={workflow}
          onWorkflow={(w) => setFilters((f) => ({ ...f, workflow: w }))}
          days={days}
          onDays={(d) => setFilters((f) => ({ ...f, days: d }))}
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <p className="muted small" role="status">
            {report.workflow ?? "All your workflows"} · {time(report.since)} to {time(report.until)}
            {loading ? " · updating…" : ""}{" "}
            <button type="button" className="link" onClick={() => void load().then(loadAlerts)}>
              Refresh
            </button>
          </p>
          <section aria-labelledby="headline-title">
            <h2 id="headline-title" className="sr-only">
              Headline figures
            </h2>
            <Tiles figures={report} />
          </section>
          {/* In reading order: alerts first when the columns stack (styles.css places them). */}
          <div className="dash-grid">
            <div className="area-alerts">
              <AlertsPanel alerts={alerts} onAcknowledge={ws.user.role === "auditor" ? null : acknowledge} />
            </div>
            <div className="area-trends">
              <TrendCharts days={report.groups ?? []} />
            </div>
            <div className="area-reviewers">
              <ReviewerTable reviewers={data.byReviewer.groups ?? []} alerted={alerted} />
            </div>
            <div className="area-exceptions">
              <ExceptionBars patterns={report.exceptionPatterns} />
            </div>
          </div>
          <ErosionPanel erosion={data.byReviewer.erosion ?? report.erosion} />
          {workflow && (
            <PausesPanel workflow={workflow} canResume={ws.user.role !== "auditor"} reload={pausesReload} />
          )}
          {workflow && <CalibrationPanel workflow={workflow} />}
        </>
      )}
      {!report && !error && <p className="muted">Loading the figures…</p>}
    </main>
  );
}
