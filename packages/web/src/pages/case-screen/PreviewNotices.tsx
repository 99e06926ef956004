import type { DecisionPreview } from "../../types";
import type { PreviewAnswer } from "./useDecisionPreview";

type Refusal = NonNullable<DecisionPreview["refusal"]>;

/**
 * What the verdict being built needs, from the server's preview, beside the submit button: its notices
 * ("this output moves the case from class low to class high …") and, when the server would refuse it
 * now, why, as a warning. Submit stays usable: the server judges on submit. The region is always on the
 * page and empty when there is nothing to say, so a screen reader hears what changes in it, politely.
 */
export function PreviewNotices({
  answer,
  waiting,
}: {
  answer: PreviewAnswer | null;
  /** The minimum review time is still counting down on the form. */
  waiting: boolean;
}) {
  const preview = answer?.preview;
  const notices = preview?.notices ?? [];
  const refusal = preview?.refusal && !preview.accepted ? preview.refusal : null;
  const reasonSent = answer?.asked.reasonCode !== undefined;
  const warning = refusal && !alreadyTold(refusal, reasonSent, waiting) ? refusal : null;
  return (
    // While a newer question is on its way the last answer stays, marked as about to change.
    <div
      className="preview"
      role="status"
      aria-busy={answer?.stale ? true : undefined}
      data-testid="decision-preview"
    >
      {notices.length > 0 && (
        <ul className="notices">
          {notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {warning && (
        <p className="warning">
          <strong>The server would refuse this now:</strong> {warning.detail ?? warning.title}
        </p>
      )}
    </div>
  );
}

/**
 * Refusals the form says itself: a reason not chosen yet (the picker marks it required, and a reviewer
 * on their way to it need not be warned), or a decision too soon while the countdown runs.
 */
function alreadyTold(refusal: Refusal, reasonSent: boolean, waiting: boolean): boolean {
  if (refusal.field === "/reasonCode" && !reasonSent) return true;
  return waiting && typeof refusal.retryAfterSeconds === "number";
}
