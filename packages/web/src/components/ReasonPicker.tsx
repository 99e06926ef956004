import { forwardRef } from "react";
import { words } from "../format";

/** The workflow's reason codes. Required for anything but a plain approval (and labels). */
export const ReasonPicker = forwardRef<
  HTMLSelectElement,
  {
    reasons: string[];
    value: string;
    onChange: (code: string) => void;
    required: boolean;
    problem: string | null;
  }
>(function ReasonPicker({ reasons, value, onChange, required, problem }, ref) {
  return (
    <div className="field">
      <label htmlFor="reason">
        Reason{" "}
        {required ? <span className="req">(required)</span> : <span className="muted">(optional)</span>}
      </label>
      <select
        id="reason"
        ref={ref}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? "reason-problem" : undefined}
        aria-required={required}
      >
        <option value="">Choose a reason…</option>
        {reasons.map((r) => (
          <option key={r} value={r}>
            {words(r)}
          </option>
        ))}
      </select>
      {problem && (
        <p id="reason-problem" className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
});
