import type { ReactNode, Ref } from "react";
import type { ApiError } from "../../api";
import { duration, time, VERDICT_PAST, words } from "../../format";
import { navigate } from "../../router";
import type { CaseView, DecisionView } from "../../types";
import { useWorkspace } from "../../workspace";
import { DecisionsList } from "./DecisionsList";

/**
 * "Your decision": the server's refusal if any, then the decision just recorded, or why this person cannot
 * decide (read-only role, case not held), or else the form (`children`).
 */
export function DecisionSection({
  c,
  blind,
  canAct,
  decided,
  serverError,
  nextRef,
  children,
}: {
  c: CaseView;
  blind: boolean;
  canAct: boolean;
  decided: DecisionView | null;
  serverError: ApiError | null;
  nextRef: Ref<HTMLButtonElement>;
  children: ReactNode;
}) {
  const ws = useWorkspace();
  return (
    <section aria-labelledby="decide-title" className="panel decide">
      <h2 id="decide-title">{blind ? "Your judgment first" : "Your decision"}</h2>
      {serverError && (
        <div className="error server" role="alert">
          <strong>The server refused it{serverError.status ? ` (${serverError.status})` : ""}:</strong>{" "}
          {serverError.detail}
          {serverError.field && <span className="muted"> (field {serverError.field})</span>}
        </div>
      )}
      {decided ? (
        <div className="done" data-testid="decided">
          <p>
            <strong>{VERDICT_PAST[decided.verdict] ?? decided.verdict}</strong>
            {decided.reasonCode && ` · ${words(decided.reasonCode)}`} — recorded at {time(decided.decidedAt)}
            {decided.heldSeconds !== null && ` after ${duration(decided.heldSeconds * 1000)}`}.
          </p>
          {decided.approvals && <p>{pendingText(decided.approvals)}</p>}
          <div className="row">
            <button
              ref={nextRef}
              type="button"
              className="primary"
              onClick={() => void ws.nextCase()}
              disabled={ws.claiming}
              aria-keyshortcuts="n"
            >
              <kbd>n</kbd> Next case
            </button>
            <a
              href="/"
              onClick={(ev) => {
                ev.preventDefault();
                navigate("/");
              }}
            >
              Back to the queue
            </a>
          </div>
        </div>
      ) : !ws.canReview ? (
        <p className="muted">Read-only: your role ({ws.user.role}) sees cases but does not decide them.</p>
      ) : !canAct ? (
        <>
          <DecisionsList c={c} />
          {c.status !== "decided" && (
            <p className="muted">You do not hold this case, so you cannot decide it.</p>
          )}
          <button
            type="button"
            ref={nextRef}
            className="primary"
            onClick={() => void ws.nextCase()}
            aria-keyshortcuts="n"
          >
            <kbd>n</kbd> Take the next case
          </button>
        </>
      ) : (
        children
      )}
    </section>
  );
}

/** Four-eyes: a verdict recorded while more people must still agree on the same output. */
export function pendingText(a: { count: number; needed: number }): string {
  return `${a.count} of ${a.needed} people have agreed on this output: the case goes back to the queue for another person.`;
}
