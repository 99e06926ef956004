import { WINDOWS, type WindowDays } from "./figures";

/** Which workflow and how many days the dashboard covers. */
export function Filters(props: {
  /** Offer "All my workflows" (admins and auditors; an owner picks one of theirs). */
  allowAll?: boolean;
  workflows: string[];
  workflow: string;
  onWorkflow(workflow: string): void;
  days: WindowDays;
  onDays(days: WindowDays): void;
}) {
  return (
    <form className="dash-filters" onSubmit={(e) => e.preventDefault()}>
      <label className="inline">
        <span>Workflow</span>
        <select value={props.workflow} onChange={(e) => props.onWorkflow(e.target.value)}>
          {props.allowAll !== false && <option value="">All my workflows</option>}
          {props.workflows.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="segmented">
        <legend>Window</legend>
        {WINDOWS.map((d) => (
          <label key={d} className={props.days === d ? "on" : undefined}>
            <input
              type="radio"
              name="window"
              value={d}
              checked={props.days === d}
              onChange={() => props.onDays(d)}
            />
            {d} days
          </label>
        ))}
      </fieldset>
    </form>
  );
}
