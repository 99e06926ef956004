import { useEffect, useState } from "react";
import { api } from "../../api";
import type { Draft } from "../../proposals";
import type { CaseView, DecisionPreview, VerdictBody } from "../../types";
import { type DecisionDraft, draftBody, type Mode } from "./decision-draft";

/** Long enough that typing an amount asks once, short enough that the answer is there when they look up. */
const QUIET_MS = 300;

/** The server's answer, the verdict it was asked about, and whether a newer question is on its way. */
export interface PreviewAnswer {
  preview: DecisionPreview;
  asked: VerdictBody;
  stale: boolean;
}

/**
 * What the server says the verdict being built would need (`POST …/decisions/preview`: another class, a
 * second person, authority, review time) and whether it would take it now. Asked once the draft has been
 * still for a moment; a newer draft cancels the older request. It never blocks typing or submitting: the
 * server judges again on submit. The last answer stays shown while the reviewer keeps changing the same
 * kind of verdict (no flicker, no repeated announcement); choosing another action clears it.
 */
export function useDecisionPreview(
  c: CaseView | null,
  draft: DecisionDraft,
  original: Draft | null,
  /** Holding the case, and not blind (a blind judgment is not a decision). */
  enabled: boolean,
  /** The minimum review time is still counting: ask again once it has passed. */
  waiting: boolean,
): PreviewAnswer | null {
  const [answer, setAnswer] = useState<{
    key: string;
    mode: Mode;
    caseId: string;
    asked: VerdictBody;
    data: DecisionPreview;
  } | null>(null);
  // Bumped when a refusal says when to try again ("too soon"), so the warning does not outlive its cause.
  const [retry, setRetry] = useState(0);
  const mode = enabled ? draft.mode : null;
  const built = c && mode ? draftBody(c, draft, mode, original) : null;
  const body = built && "body" in built ? built.body : null;
  const key = c && mode && body ? JSON.stringify([c.id, body, waiting, retry]) : null;

  // Another action (or none) makes the last answer about something else.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the mode changes, on purpose
  useEffect(() => setAnswer(null), [mode]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the case, mode and body it is made of
  useEffect(() => {
    if (!key || !c || !mode || !body) return;
    const abort = new AbortController();
    let again: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      api.previewDecision(c.id, body, abort.signal).then(
        (res) => {
          if (abort.signal.aborted) return;
          setAnswer({ key, mode, caseId: c.id, asked: body, data: res.data });
          const after = res.data.refusal?.retryAfterSeconds;
          if (typeof after === "number" && after > 0) {
            again = setTimeout(() => setRetry((n) => n + 1), after * 1000 + 250);
          }
        },
        // No answer (network, lease gone, signed out): say nothing rather than something stale.
        () => {
          if (!abort.signal.aborted) setAnswer(null);
        },
      );
    }, QUIET_MS);
    return () => {
      clearTimeout(timer);
      clearTimeout(again);
      abort.abort();
    };
  }, [key]);

  if (!c || !mode || !answer || answer.mode !== mode || answer.caseId !== c.id) return null;
  return { preview: answer.data, asked: answer.asked, stale: answer.key !== key };
}
